//! The `lyssna` binary: parse the command line, set up logging, run. Everything else is the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    limit_malloc_arenas();
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

/// glibc gives every thread that allocates its own arena (up to eight per core) and keeps what
/// they free: with the runtime's workers, the HTTP connections' tasks and SQLite's connection
/// threads all allocating, a crawl's peak RSS was a third above its heap. Two arenas keep the
/// workers from contending on one lock while the freed memory is reused. Set before any thread
/// starts; musl and other libcs have no arenas.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
