// Assembles WebAssembly text with wabt (the WebAssembly Binary Toolkit's wat2wasm, as
// JavaScript): validated, no debug names, so the same text gives the same bytes.
import wabt from "wabt";

export async function assembleWat(filename: string, text: string): Promise<Uint8Array> {
  const module = (await wabt()).parseWat(filename, text, { simd: true });
  try {
    module.validate();
    return module.toBinary({ write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}
