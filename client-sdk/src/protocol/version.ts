/**
 * Wire protocol version. A coordinator refuses clients that speak another one.
 * 2: EIP-712 bound login. 3: binaries of ATTACHMENT_MIN_BYTES or more travel as socket.io
 * binary attachments (see socketParser.ts), which a version 2 peer refuses.
 */
export const PROTOCOL_VERSION = 3;
