/** Wire protocol version. A coordinator refuses clients that speak another one. 2: EIP-712 bound login. */
export const PROTOCOL_VERSION = 2;
