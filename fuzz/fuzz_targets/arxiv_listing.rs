#![no_main]
use libfuzzer_sys::fuzz_target;
use paperdex_fuzz::{run, Format, Target, INPUT_NAME};

fuzz_target!(|data: &[u8]| {
    run(Target::Reader(Format::ArxivListing), INPUT_NAME, data);
});
