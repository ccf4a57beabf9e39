import NextAuth from "next-auth";
import { getAuthOptions } from "~/server/auth/config";
import { runWithAuthRequest } from "~/server/auth/request-context";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

function handler(req: Request, ctx: RouteContext) {
  const nextAuth = NextAuth(getAuthOptions()) as (req: Request, ctx: RouteContext) => Promise<Response>;
  return runWithAuthRequest(req.headers, () => nextAuth(req, ctx));
}

export { handler as GET, handler as POST };
