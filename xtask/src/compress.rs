//! Compressed sizes of a file, computed in-process: gzip at level 9 (flate2, the same bytes as
//! `gzip -9 -c < FILE`: no file name, zero mtime) and brotli at quality 11 with a 4 MiB window
//! (the brotli crate, what `brotli -q 11` does for files of this size). Only the lengths are
//! kept: the compressed bytes go to a counting sink.

use std::io::Write;
use std::path::Path;

/// Raw and compressed sizes of one file, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// The file as it is.
    pub raw: u64,
    /// gzip, level 9.
    pub gzip: u64,
    /// brotli, quality 11.
    pub brotli: u64,
}

/// A writer that only counts the bytes written to it.
#[derive(Debug, Default)]
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len() as u64);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Length of `data` compressed with gzip at level 9.
pub fn gzip_len(data: &[u8]) -> Result<u64, String> {
    let mut encoder =
        flate2::write::GzEncoder::new(Counter::default(), flate2::Compression::new(9));
    encoder
        .write_all(data)
        .map_err(|e| format!("gzip failed: {e}"))?;
    encoder
        .finish()
        .map(|c| c.0)
        .map_err(|e| format!("gzip failed: {e}"))
}

/// Length of `data` compressed with brotli at quality 11 (window 2^22).
pub fn brotli_len(data: &[u8]) -> Result<u64, String> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut input = data;
    let mut counter = Counter::default();
    brotli::BrotliCompress(&mut input, &mut counter, &params)
        .map_err(|e| format!("brotli failed: {e}"))?;
    Ok(counter.0)
}

/// Reads a file and measures it; gzip and brotli run on two threads (brotli at quality 11 is
/// the slow one).
pub fn measure(path: &Path) -> Result<Sizes, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (gzip, brotli) = std::thread::scope(|scope| {
        let brotli = scope.spawn(|| brotli_len(&data));
        let gzip = gzip_len(&data);
        let brotli = brotli
            .join()
            .unwrap_or_else(|_| Err("the brotli thread panicked".to_string()));
        (gzip, brotli)
    });
    Ok(Sizes {
        raw: data.len() as u64,
        gzip: gzip?,
        brotli: brotli?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Deterministic, poorly compressible bytes (a xorshift generator).
    fn noise(len: usize) -> Vec<u8> {
        let mut x: u32 = 0x9e37_79b9;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn gzip_length_matches_a_real_gzip_stream() {
        let data = b"hello hello hello hello hello hello".repeat(50);
        let len = gzip_len(&data).unwrap();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
        encoder.write_all(&data).unwrap();
        let bytes = encoder.finish().unwrap();
        assert_eq!(len, bytes.len() as u64);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
        assert!(len < 100, "repetitive text compresses well: {len}");
    }

    #[test]
    fn brotli_length_matches_a_decodable_stream() {
        let data = b"abcabcabcabc lumen lumen lumen".repeat(100);
        let len = brotli_len(&data).unwrap();
        let mut out = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            size_hint: data.len(),
            ..Default::default()
        };
        brotli::BrotliCompress(&mut data.as_slice(), &mut out, &params).unwrap();
        assert_eq!(len, out.len() as u64);
        let mut back = Vec::new();
        brotli::Decompressor::new(out.as_slice(), 4096)
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn empty_input_has_small_nonzero_compressed_sizes() {
        assert_eq!(
            gzip_len(&[]).unwrap(),
            20,
            "gzip header + empty block + trailer"
        );
        assert!(brotli_len(&[]).unwrap() >= 1);
    }

    #[test]
    fn measure_reads_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.wasm");
        let data = noise(3000);
        std::fs::write(&path, &data).unwrap();
        let sizes = measure(&path).unwrap();
        assert_eq!(sizes.raw, 3000);
        assert_eq!(sizes.gzip, gzip_len(&data).unwrap());
        assert_eq!(sizes.brotli, brotli_len(&data).unwrap());
        assert!(sizes.gzip > 2900, "noise does not compress: {}", sizes.gzip);
    }

    #[test]
    fn measure_reports_a_missing_file() {
        let err = measure(Path::new("/nonexistent/dir/x.wasm")).unwrap_err();
        assert!(err.contains("cannot read /nonexistent/dir/x.wasm"), "{err}");
    }
}
