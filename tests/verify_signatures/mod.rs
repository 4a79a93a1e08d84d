//! Release-signature verification (`envm::fetch::verify`, issue 10), through its library API: Node.js
//! by OpenPGP ([`node`]) and Zig by minisign ([`zig`]), each with keys generated at test time.

mod node;
mod zig;

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
