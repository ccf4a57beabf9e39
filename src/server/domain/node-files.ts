/** Names and modes of the files a node writes under its directories. */
export const ENGINE_LOG_NAME = "engine";
/** Engine and run logs, deliverables: the node's account and its group only. */
export const PRIVATE_FILE_MODE = 0o640;
export const PRIVATE_DIR_MODE = 0o750;
