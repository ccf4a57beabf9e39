export type QueuePermissions = {
  queueUpdate: boolean;
  queueDelete: boolean;
  mappingRead: boolean;
  mappingCreate: boolean;
  mappingUpdate: boolean;
  mappingDelete: boolean;
  nodeRead: boolean;
};

export function plural(n: number, one: string, many = `${one}s`) {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}
