import type { NextAuthOptions } from "next-auth";
import { getServerSession } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { env } from "~/env";
import { db } from "~/server/db";
import { getSessionSecret } from "~/server/auth/session-secret";
import { type Principal, getPrincipal } from "~/server/services/auth/get-principal";
import { verifyCredentials } from "~/server/services/auth/verify-credentials";
import { AppError } from "~/server/services/errors";
import { clientAddress } from "./client-address";

declare module "next-auth" {
  interface Session {
    user: { id: number; login: string };
  }
}
declare module "next-auth/jwt" {
  interface JWT {
    uid?: number;
    login?: string;
  }
}

let cachedOptions: NextAuthOptions | undefined;

/** Built on first use so that `next build` does not need the session secret. */
export function getAuthOptions(): NextAuthOptions {
  return (cachedOptions ??= buildAuthOptions());
}

const buildAuthOptions = (): NextAuthOptions => ({
  secret: getSessionSecret(),
  session: { strategy: "jwt", maxAge: env.SESSION_MAX_AGE_SECONDS },
  jwt: { maxAge: env.SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Jobwarden",
      credentials: { login: { label: "Login", type: "text" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const login = credentials?.login?.trim() ?? "";
        const password = credentials?.password ?? "";
        if (!login || !password) throw new Error("Enter your login and password");
        const headers = new Headers(req.headers as Record<string, string>);
        try {
          const user = await verifyCredentials(db, {
            login,
            password,
            fromAddress: clientAddress(headers),
            userAgent: headers.get("user-agent"),
          });
          return { id: String(user.id), name: user.login };
        } catch (e) {
          // next-auth hands the message of a thrown Error to the login page.
          if (e instanceof AppError) throw new Error(e.message);
          throw e;
        }
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.uid = Number(user.id);
        token.login = user.name ?? undefined;
      }
      return token;
    },
    session({ session, token }) {
      session.user = { id: token.uid ?? 0, login: token.login ?? "" };
      return session;
    },
  },
});

/** The signed-in user, re-read from the database on every request (locking takes effect at once). */
export async function getCurrentPrincipal(): Promise<Principal | null> {
  const session = await getServerSession(getAuthOptions());
  if (!session?.user.id) return null;
  return getPrincipal(db, session.user.id);
}
