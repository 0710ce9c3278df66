//! The linear memory the interpreter reads and writes: a trait, so the lifting and lowering
//! are testable natively ([`VecMemory`]) and the runtime plugs in its own memory.

use crate::AbiError;

/// A linear memory.
pub trait Memory {
    /// The `len` bytes at `ptr`; an error when they are not all inside the memory.
    fn read(&self, ptr: u32, len: u32) -> Result<&[u8], AbiError>;
    /// Writes `bytes` at `ptr`; an error when they do not fit inside the memory.
    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError>;
    /// Allocates (like cabi_realloc(0, 0, align, size)); the caller records it to free later.
    fn alloc(&mut self, size: u32, align: u32) -> Result<u32, AbiError>;
}

/// A memory of a `Vec<u8>` with a bump allocator that grows it up to a limit: the test
/// memory (also usable by a native host).
#[derive(Debug, Clone)]
pub struct VecMemory {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The most bytes [`Memory::alloc`] may grow the memory to.
    pub limit: u32,
    /// Every allocation made, as `(ptr, size)`, in order.
    pub allocations: Vec<(u32, u32)>,
}

impl VecMemory {
    /// A memory of `initial` zero bytes that may grow to `limit` bytes. Allocations start at
    /// `initial` (so pointers below it are the caller's own).
    pub fn new(initial: u32, limit: u32) -> VecMemory {
        VecMemory {
            bytes: vec![0; initial as usize],
            limit,
            allocations: Vec::new(),
        }
    }
}

/// `ptr..ptr+len` as a `usize` range when it is inside a memory of `size` bytes.
pub fn range(ptr: u32, len: u32, size: usize) -> Result<std::ops::Range<usize>, AbiError> {
    let end = ptr as u64 + len as u64;
    if end > size as u64 {
        return Err(AbiError::new(format!(
            "out of bounds: {len} bytes at {ptr} in a memory of {size} bytes"
        )));
    }
    Ok(ptr as usize..end as usize)
}

impl Memory for VecMemory {
    fn read(&self, ptr: u32, len: u32) -> Result<&[u8], AbiError> {
        let r = range(ptr, len, self.bytes.len())?;
        Ok(&self.bytes[r])
    }

    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
        let len = u32::try_from(bytes.len()).map_err(|_| AbiError::new("write too large"))?;
        let r = range(ptr, len, self.bytes.len())?;
        self.bytes[r].copy_from_slice(bytes);
        Ok(())
    }

    fn alloc(&mut self, size: u32, align: u32) -> Result<u32, AbiError> {
        if !align.is_power_of_two() {
            return Err(AbiError::new(format!("bad alignment {align}")));
        }
        let start = crate::layout::align_to(self.bytes.len() as u32, align) as u64;
        let end = start + size as u64;
        if end > self.limit as u64 || self.bytes.len() as u64 > u32::MAX as u64 {
            return Err(AbiError::new(format!(
                "out of memory: {size} more bytes over the limit of {}",
                self.limit
            )));
        }
        self.bytes.resize(end as usize, 0);
        self.allocations.push((start as u32, size));
        Ok(start as u32)
    }
}
