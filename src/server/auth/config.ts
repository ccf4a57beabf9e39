import type { NextAuthOptions } from "next-auth";
import { getServerSession } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { env } from "~/env";
import { type Db, db as defaultDb } from "~/server/db";
import { logger } from "~/server/logger";
import { getSessionSecret } from "~/server/auth/session-secret";
import { type Principal, getPrincipal } from "~/server/services/auth/get-principal";
import { createUserSession, findActiveUserSession, revokeUserSession } from "~/server/services/auth/user-sessions";
import { verifyCredentials } from "~/server/services/auth/verify-credentials";
import { AppError } from "~/server/services/errors";
import { safeCallbackPath } from "~/server/domain/callback-url";
import { clientAddress } from "./client-address";
import { currentAuthRequest } from "./request-context";

declare module "next-auth" {
  interface Session {
    user: { id: number; login: string };
  }
  interface User {
    sessionId?: string;
  }
}
declare module "next-auth/jwt" {
  interface JWT {
    uid?: number;
    login?: string;
    /** The UserSession row that must still hold for this cookie to count. */
    sid?: string;
  }
}

/** Thrown from the jwt callback: next-auth then answers "no session" and clears the cookie. */
class SessionEndedError extends Error {
  constructor() {
    super("The session was signed out, revoked or reached its absolute lifetime");
  }
}

let cachedOptions: NextAuthOptions | undefined;

/** Built on first use so that `next build` does not need the session secret. */
export function getAuthOptions(): NextAuthOptions {
  return (cachedOptions ??= createAuthOptions({ db: defaultDb, secret: getSessionSecret() }));
}

/**
 * JWT cookies that expire after SESSION_MAX_AGE_SECONDS idle, each tied to a UserSession row that is
 * checked whenever the session is read: sign-out, a password change or a lock revoke the row, and the
 * row's absolute end (SESSION_ABSOLUTE_MAX_AGE_SECONDS after sign-in) does not move on refresh.
 */
export const createAuthOptions = ({ db, secret }: { db: Db; secret: string }): NextAuthOptions => ({
  secret,
  session: { strategy: "jwt", maxAge: env.SESSION_MAX_AGE_SECONDS },
  jwt: { maxAge: env.SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/login", error: "/login" },
  logger: {
    error(code, metadata) {
      const error = metadata instanceof Error ? metadata : (metadata as { error?: unknown } | undefined)?.error;
      if (error instanceof SessionEndedError) return;
      logger.error({ code, err: metadata }, "next-auth error");
    },
    warn(code) {
      logger.warn({ code }, "next-auth warning");
    },
    debug() {},
  },
  providers: [
    CredentialsProvider({
      name: "Jobwarden",
      credentials: { login: { label: "Login", type: "text" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const login = credentials?.login?.trim() ?? "";
        const password = credentials?.password ?? "";
        if (!login || !password) throw new Error("Enter your login and password");
        const headers = new Headers(req.headers as Record<string, string>);
        const fromAddress = clientAddress(headers);
        const userAgent = headers.get("user-agent");
        try {
          const user = await verifyCredentials(db, { login, password, fromAddress, userAgent });
          const session = await createUserSession(db, { userId: user.id, fromAddress, userAgent });
          return { id: String(user.id), name: user.login, sessionId: session.id };
        } catch (e) {
          // next-auth hands the message of a thrown Error to the login page.
          if (e instanceof AppError) throw new Error(e.message);
          throw e;
        }
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) {
        token.uid = Number(user.id);
        token.login = user.name ?? undefined;
        token.sid = user.sessionId;
      }
      if (!token.sid || !token.uid || !(await findActiveUserSession(db, token.sid, token.uid))) throw new SessionEndedError();
      return token;
    },
    session({ session, token }) {
      session.user = { id: token.uid ?? 0, login: token.login ?? "" };
      return session;
    },
    redirect({ url, baseUrl }) {
      return new URL(safeCallbackPath(url, baseUrl), baseUrl).toString();
    },
  },
  events: {
    async signOut({ token }) {
      if (!token.sid) return;
      const { fromAddress, userAgent } = currentAuthRequest();
      await revokeUserSession(db, { id: token.sid, actor: { userId: token.uid ?? null, login: token.login ?? "", fromAddress, userAgent } });
    },
  },
});

/**
 * The signed-in user, re-read from the database on every request (locking takes effect at once);
 * null when the session was revoked or is over.
 */
export async function getCurrentPrincipal(): Promise<Principal | null> {
  const session = await getServerSession(getAuthOptions());
  if (!session?.user.id) return null;
  return getPrincipal(defaultDb, session.user.id);
}
