import { AUTH_MODES, type AuthMode } from "~/server/domain/node-config";

const LABEL: Record<AuthMode, string> = {
  none: "none (anonymous)",
  basic: "basic (console users)",
  token: "token (API tokens)",
  certificate: "certificate (TLS client)",
};

/** The authentication modes of a node API, as the node editor and the Security page offer them. */
export const AUTH_MODE_OPTIONS: { value: AuthMode; label: string }[] = AUTH_MODES.map((value) => ({ value, label: LABEL[value] }));
