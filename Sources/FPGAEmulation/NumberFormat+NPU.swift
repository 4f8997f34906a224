extension NumberFormat {
    /// The format as `npu` runs it: Brainwave's ms-fp formats share one exponent across the
    /// NPU's native dimension (Fowers et al., ISCA 2018, §4: "a block of up to 128 values" =
    /// one native vector); every other format keeps its own block size.
    package func native(to npu: NPUConfiguration) -> NumberFormat {
        name.hasPrefix("ms-fp") ? withBlockSize(npu.nativeDimension) : self
    }
}
