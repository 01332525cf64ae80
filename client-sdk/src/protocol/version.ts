/** Wire protocol version. A coordinator refuses clients that speak another one. */
export const PROTOCOL_VERSION = 1;
