#![no_main]
use libfuzzer_sys::fuzz_target;
use paperdex_fuzz::{run, Target, INPUT_NAME};

fuzz_target!(|data: &[u8]| {
    run(Target::ArxivAtom, INPUT_NAME, data);
});
