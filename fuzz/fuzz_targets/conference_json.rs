#![no_main]
use libfuzzer_sys::fuzz_target;
use paperdex_fuzz::{run, Target, INPUT_NAME};

fuzz_target!(|data: &[u8]| {
    run(Target::ConferenceJson, INPUT_NAME, data);
});
