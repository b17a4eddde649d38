//! The `lyssna` binary: parse the command line, set up logging, run. Everything else is the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = lyssna::cli::Cli::parse();
    lyssna::cli::init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(lyssna::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.code)
        }
    }
}
