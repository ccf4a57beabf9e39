/**
 * Permissions are `object:verb` strings, as in JQM (Shiro); `*` matches any object or verb.
 * This module is shared by the console, the node APIs and the CLI, and is safe for client bundles.
 */
export const PERMISSION_OBJECTS = [
  "node",
  "queue",
  "qmapping",
  "prm",
  "jd",
  "user",
  "role",
  "job_instance",
  "logs",
  "queue_position",
  "files",
  "security",
  "audit",
] as const;
export const PERMISSION_VERBS = ["create", "read", "update", "delete"] as const;

export type PermissionObject = (typeof PERMISSION_OBJECTS)[number];
export type PermissionVerb = (typeof PERMISSION_VERBS)[number];
export type Permission = `${PermissionObject}:${PermissionVerb}`;

const PERMISSION_PATTERN = new RegExp(
  `^(\\*|${PERMISSION_OBJECTS.join("|")}):(\\*|${PERMISSION_VERBS.join("|")})$`,
);

export function isValidPermissionPattern(pattern: string): boolean {
  return PERMISSION_PATTERN.test(pattern);
}

export function hasPermission(granted: readonly string[], required: Permission): boolean {
  const [object, verb] = required.split(":");
  return granted.some((pattern) => {
    const [o, v] = pattern.split(":");
    return (o === "*" || o === object) && (v === "*" || v === verb);
  });
}

/** JQM's built-in roles (its default shiro.ini), plus the `security` and `audit` objects Jobwarden adds. */
export const BUILT_IN_ROLES: readonly { name: string; description: string; permissions: readonly string[] }[] = [
  { name: "administrator", description: "Everything, including users, roles and the audit log.", permissions: ["*:*"] },
  {
    name: "config admin",
    description: "Configures nodes, queues, mappings, global parameters and job definitions; toggles node APIs.",
    permissions: ["node:*", "queue:*", "qmapping:*", "prm:*", "jd:*", "security:*"],
  },
  {
    name: "config viewer",
    description: "Reads the whole configuration and the security page.",
    permissions: ["node:read", "queue:read", "qmapping:read", "prm:read", "jd:read", "security:read"],
  },
  {
    name: "client",
    description: "Launches and manages runs.",
    permissions: ["node:read", "queue:read", "job_instance:*", "jd:read"],
  },
  {
    name: "client power user",
    description: "A client who also reads logs and files and changes queue positions.",
    permissions: ["node:read", "queue:read", "job_instance:*", "jd:read", "logs:read", "queue_position:create", "files:read"],
  },
  {
    name: "client read only",
    description: "Browses runs and downloads their logs and files (support staff).",
    permissions: ["queue:read", "job_instance:read", "logs:read", "files:read"],
  },
];
