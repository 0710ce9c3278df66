//! The worker → driver protocol on the worker's stdout: frames of a tag byte, a
//! little-endian `u32` length and that many bytes.
//!
//! - `S` / `B`: a source / binary-LIR input, sent *before* it runs (so the driver holds it
//!   if the worker dies or hangs on it);
//! - `F`: the last input failed in-process: `kind\tdetail`;
//! - `C`: a diagnostic or run-time code seen for the first time by this worker;
//! - `R`: the last input compiled (or decoded) and is about to run in the VM: a death or
//!   hang from now on is a run-time one;
//! - `T`: statistics: the number of inputs that compiled so far (`u64`).

use std::io::{self, Read, Write};

/// Tag of a failure frame.
pub const FAIL: u8 = b'F';
/// Tag of a new-code frame.
pub const CODE: u8 = b'C';
/// Tag of the about-to-run frame.
pub const RUN: u8 = b'R';
/// Tag of a statistics frame.
pub const STATS: u8 = b'T';

/// Writes one frame.
pub fn write_frame(w: &mut impl Write, tag: u8, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let mut head = [0u8; 5];
    head[0] = tag;
    head[1..].copy_from_slice(&len.to_le_bytes());
    w.write_all(&head)?;
    w.write_all(&payload[..len as usize])
}

/// Reads one frame; `None` at a clean end of stream (or a frame cut off by the worker's
/// death).
pub fn read_frame(r: &mut impl Read) -> io::Result<Option<(u8, Vec<u8>)>> {
    let mut head = [0u8; 5];
    if let Err(e) = r.read_exact(&mut head) {
        return if e.kind() == io::ErrorKind::UnexpectedEof {
            Ok(None)
        } else {
            Err(e)
        };
    }
    let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let mut payload = vec![0u8; len];
    match r.read_exact(&mut payload) {
        Ok(()) => Ok(Some((head[0], payload))),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_a_cut_frame_ends_the_stream() {
        let mut buf = vec![];
        write_frame(&mut buf, b'S', b"cell main()\nend\n").unwrap();
        write_frame(&mut buf, CODE, b"E0100").unwrap();
        let mut r = &buf[..];
        assert_eq!(
            read_frame(&mut r).unwrap(),
            Some((b'S', b"cell main()\nend\n".to_vec()))
        );
        assert_eq!(read_frame(&mut r).unwrap(), Some((CODE, b"E0100".to_vec())));
        assert_eq!(read_frame(&mut r).unwrap(), None);
        let mut cut = &buf[..8];
        assert_eq!(read_frame(&mut cut).unwrap(), None);
    }
}
