import { HydrationBoundary, dehydrate } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { cache } from "react";
import { appRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { createQueryClient } from "./query-client";

/** One query client per server request: what a page prefetches into it goes into the HTML (HydrateClient). */
export const getQueryClient = cache(createQueryClient);

// A page's prefetch is its first render, not a console poll: the poll throttle does not apply.
const createContext = cache(async () => ({ ...(await createTRPCContext({ headers: await headers() })), pollThrottle: null }));

/** The tRPC procedures as query options, for server components. */
export const trpc = createTRPCOptionsProxy({ router: appRouter, ctx: createContext, queryClient: getQueryClient });

/**
 * Wraps a page whose first queries were prefetched on the server (`await
 * getQueryClient().prefetchQuery(trpc.x.find.queryOptions(input))`, the same input as the client
 * component's): the page arrives with its rows, and the client's useQuery finds them in its cache. A
 * failed prefetch is not sent: the client asks again and shows the error.
 */
export function HydrateClient({ children }: { children: React.ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
