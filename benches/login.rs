//! The login under attack (issue 14's goal): 1,000 concurrent password guesses, and the leader's own
//! login during them.
//!
//! The real app serves on 127.0.0.1:0 with a fresh SQLite database, behind a "proxy" (the bench
//! itself, listed in `server.trusted_proxies`), so that every guess comes from its own client
//! address via `X-Forwarded-For` — the worst case for a per-address limit. Two bursts:
//! - **one user**: 1,000 guesses at the leader's name from 1,000 addresses; how many passwords were
//!   checked (401) and how many refused unchecked (429);
//! - **spray**: 1,000 guesses at 1,000 different names (each name's first guesses are free, so all
//!   of them reach argon2): the most CPU an attacker can make the login spend.
//!
//! During each burst the leader logs in from a browser that has logged in before (its device
//! cookie); the baseline is the same login on the idle server, measured in the same run.
//!
//! `cargo bench --bench login`
#![allow(clippy::disallowed_methods)]

use chrono::Utc;
use lyssna::app::App;
use lyssna::config::Config;
use reqwest::header::{COOKIE, SET_COOKIE};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const USER: &str = "erik";
const PASSWORD: &str = "ett långt lösen för benchen";
const BURST: usize = 1_000;

struct Bench {
    addr: SocketAddr,
    http: reqwest::Client,
    csrf: String,
}

impl Bench {
    async fn login(
        &self,
        user: &str,
        password: &str,
        device: Option<&str>,
        from: &str,
    ) -> reqwest::Response {
        let mut cookie = format!("lyssna_login_csrf={}", self.csrf);
        if let Some(d) = device {
            cookie.push_str(&format!("; lyssna_device={d}"));
        }
        self.http
            .post(format!("http://{}/login", self.addr))
            .header(COOKIE, cookie)
            .header("x-forwarded-for", from)
            .form(&[
                ("username", user),
                ("password", password),
                ("csrf_token", self.csrf.as_str()),
            ])
            .send()
            .await
            .expect("login request")
    }

    /// The leader's login from the known browser: its latency, and that it succeeded.
    async fn leader(&self, device: &str) -> (Duration, bool) {
        let start = Instant::now();
        let r = self
            .login(USER, PASSWORD, Some(device), "198.51.100.1")
            .await;
        (start.elapsed(), r.status() == 303)
    }
}

fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers().get_all(SET_COOKIE).iter().find_map(|v| {
        let (k, rest) = v.to_str().ok()?.split_once('=')?;
        (k == name).then(|| rest.split(';').next().unwrap_or("").to_string())
    })
}

fn addr_of(i: usize) -> String {
    format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Fires `BURST` guesses at once (user name from `name(i)`), with three leader logins spread over
/// the burst; prints the outcome.
async fn burst(b: &Bench, label: &str, device: &str, name: impl Fn(usize) -> String) {
    let started = Instant::now();
    let guesses = futures_util::future::join_all((0..BURST).map(|i| {
        let user = name(i);
        async move {
            b.login(&user, "wrong guess", None, &addr_of(i + 1))
                .await
                .status()
                .as_u16()
        }
    }));
    let leader = async {
        let mut out = Vec::new();
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(30)).await;
            out.push(b.leader(device).await);
        }
        out
    };
    let (statuses, leader) = tokio::join!(guesses, leader);
    let count = |s: u16| statuses.iter().filter(|x| **x == s).count();
    let worst = leader.iter().map(|(d, _)| *d).max().unwrap_or_default();
    println!(
        "{label:<10} {BURST} guesses in {:>6.0} ms: {:>4} passwords checked (401), {:>4} refused unchecked (429), {} other; \
         leader's login during it: {} ({:.1} ms worst of 3){}",
        ms(started.elapsed()),
        count(401),
        count(429),
        BURST - count(401) - count(429),
        leader
            .iter()
            .map(|(d, _)| format!("{:.1}", ms(*d)))
            .collect::<Vec<_>>()
            .join(" / "),
        ms(worst),
        if leader.iter().all(|(_, ok)| *ok) {
            ""
        } else {
            " — FAILED"
        }
    );
}

async fn run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("l.db").display());
    let text = format!("database_url = \"{db}\"\n[server]\ntrusted_proxies = [\"127.0.0.1\"]\n");
    let config = Config::parse_str("bench.toml", &text, None).expect("config");
    let app = App::build(config, true).await.expect("app");
    let hash = lyssna::web::auth::hash_password(PASSWORD).expect("hash");
    app.store
        .upsert_user(USER, &hash, Utc::now())
        .await
        .expect("user");
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let (addr, _) = app
        .serve_web("127.0.0.1:0".parse().expect("addr"), rx)
        .await
        .expect("serve");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(BURST)
        .build()
        .expect("client");
    let r = http
        .get(format!("http://{addr}/login"))
        .send()
        .await
        .expect("form");
    let csrf = cookie_value(&r, "lyssna_login_csrf").expect("csrf cookie");
    let b = Bench { addr, http, csrf };
    let first = b.login(USER, PASSWORD, None, "198.51.100.1").await;
    let device = cookie_value(&first, "lyssna_device").expect("device cookie");

    let mut idle = Vec::new();
    for _ in 0..5 {
        idle.push(b.leader(&device).await.0);
    }
    idle.sort();
    println!(
        "baseline   leader's login on the idle server: {:.1} ms median of 5 ({:.1} ms worst)",
        ms(idle[2]),
        ms(idle[4])
    );
    burst(&b, "one user", &device, |_| USER.to_string()).await;
    burst(&b, "spray", &device, |i| format!("guess-{i}")).await;
}

fn main() {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    println!("login under attack — {threads} CPU(s), release build, SQLite");
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}
