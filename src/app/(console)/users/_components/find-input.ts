/** The users list's find input, the same for the server's prefetch and the table: a page of the users `query` matches. */
export const usersFindInput = (query: string) => ({ query: query || undefined, limit: 50 });
