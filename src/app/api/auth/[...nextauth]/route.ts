import NextAuth from "next-auth";
import { getAuthOptions } from "~/server/auth/config";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

function handler(req: Request, ctx: RouteContext) {
  return (NextAuth(getAuthOptions()) as (req: Request, ctx: RouteContext) => Promise<Response>)(req, ctx);
}

export { handler as GET, handler as POST };
