//! Call frames of the explicit frame stack (no Rust recursion per Lumen call).

/// One activation: which function, where it resumes, and where its registers start.
///
/// The interpreter keeps the *current* frame's `pc` in a local and writes it back here
/// only when it calls, suspends or fails; `pc` of a frame below the top is the
/// instruction after its pending call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Index into `Module::functions`.
    pub func: u32,
    /// Next instruction to execute when this frame is resumed.
    pub pc: u32,
    /// Absolute index of register 0 in the VM's register stack.
    pub base: u32,
    /// Register of the *caller* (relative to the caller's base) receiving the result.
    pub ret: u16,
}
