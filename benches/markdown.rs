//! Streaming markdown benchmark (native): a realistic LLM answer (headings, paragraphs with inline
//! markup, lists, a table, code fences, quotes) of 1k, 10k and 50k tokens (~4 bytes each) is
//! streamed token by token into `MdText`; after every token the live tail is re-rendered, and
//! every newly frozen segment is rendered once, as the view does. The cost per token must stay
//! flat as the answer grows. For contrast, re-rendering the whole text after every token.
//!
//! Run alone on a quiet machine: `cargo bench --bench markdown`. Prints a table; never fails on
//! timing. Each figure is the median of several runs.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

/// The benchmark measures native timings only.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    use chat_stream::markdown::{render, MdText};

    /// A small deterministic generator (xorshift64*), so every run streams the same answer.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    const WORDS: &[&str] = &[
        "the", "stream", "token", "server", "client", "request", "response", "latency", "model",
        "answer", "buffer", "event", "chunk", "browser", "decoder", "parser", "render", "block",
        "segment", "frame", "value", "result", "error", "message", "context", "window", "signal",
        "memory", "thread", "socket", "cache", "index", "query", "schema", "field", "option",
    ];

    fn sentence(r: &mut Rng) -> String {
        let n = 8 + r.below(14);
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            let w = r.pick(WORDS);
            match r.below(24) {
                0 => s.push_str(&format!("**{w}**")),
                1 => s.push_str(&format!("*{w}*")),
                2 => s.push_str(&format!("`{w}()`")),
                3 => s.push_str(&format!("[{w}](https://example.com/{w})")),
                _ => s.push_str(w),
            }
        }
        s.push_str(". ");
        s
    }

    fn paragraph(r: &mut Rng) -> String {
        let mut p: String = (0..2 + r.below(4)).map(|_| sentence(r)).collect();
        p.truncate(p.trim_end().len());
        p.push_str("\n\n");
        p
    }

    fn code(r: &mut Rng) -> String {
        let (lang, line): (&str, fn(usize, &str) -> String) = if r.below(2) == 0 {
            ("rust", |i, w| {
                format!("    let {w}_{i} = {w}(&mut state, {i})?; // {w}\n")
            })
        } else {
            ("python", |i, w| {
                format!("    {w}_{i} = {w}(state, {i})  # {w}\n")
            })
        };
        let mut s = format!("```{lang}\n");
        for i in 0..8 + r.below(40) {
            s.push_str(&line(i, r.pick(WORDS)));
        }
        s.push_str("```\n\n");
        s
    }

    fn list(r: &mut Rng) -> String {
        let ordered = r.below(2) == 0;
        let mut s = String::new();
        for i in 0..3 + r.below(6) {
            let marker = if ordered {
                format!("{}.", i + 1)
            } else {
                "-".into()
            };
            s.push_str(&format!(
                "{marker} **{}**: {}\n",
                r.pick(WORDS),
                sentence(r).trim_end()
            ));
            if r.below(3) == 0 {
                let pad = " ".repeat(marker.len() + 1);
                s.push_str(&format!("{pad}- {}\n", sentence(r).trim_end()));
            }
        }
        s.push('\n');
        s
    }

    fn table(r: &mut Rng) -> String {
        let mut s = String::from("| Option | Default | Effect |\n|---|:-:|---|\n");
        for _ in 0..4 + r.below(8) {
            s.push_str(&format!(
                "| `{}` | {} | {} |\n",
                r.pick(WORDS),
                r.below(1000),
                sentence(r).trim_end()
            ));
        }
        s.push('\n');
        s
    }

    /// An answer of about `bytes` bytes.
    fn answer(bytes: usize) -> String {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let mut s = String::from("# Streaming, explained\n\n");
        while s.len() < bytes {
            match r.below(10) {
                0 => s.push_str(&format!("## {}\n\n", sentence(&mut r).trim_end())),
                1 | 2 => s.push_str(&list(&mut r)),
                3 | 4 => s.push_str(&code(&mut r)),
                5 => s.push_str(&table(&mut r)),
                6 => s.push_str(&format!("> {}\n\n", sentence(&mut r).trim_end())),
                _ => s.push_str(&paragraph(&mut r)),
            }
        }
        s
    }

    /// Tokens of about 4 bytes (at char boundaries).
    fn tokens(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < text.len() {
            let mut end = (at + 4).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            out.push(&text[at..end]);
            at = end;
        }
        out
    }

    struct Run {
        time: Duration,
        max_tail: usize,
        segments: usize,
        worst_token: Duration,
    }

    /// Streams the tokens as the view does: push, render new frozen segments once, re-render
    /// the tail.
    fn stream(tokens: &[&str]) -> Run {
        let start = Instant::now();
        let mut md = MdText::new();
        let mut rendered = 0;
        let mut max_tail = 0;
        let mut worst_token = Duration::ZERO;
        for tok in tokens {
            let t = Instant::now();
            md.push_str(tok);
            let frozen = md.frozen();
            for seg in &frozen[rendered.min(frozen.len())..] {
                black_box(seg.render());
            }
            rendered = frozen.len();
            if let Some(tail) = md.tail() {
                max_tail = max_tail.max(tail.source.len());
                black_box(tail.render());
            }
            worst_token = worst_token.max(t.elapsed());
        }
        Run {
            time: start.elapsed(),
            max_tail,
            segments: md.segments().len(),
            worst_token,
        }
    }

    /// The naive way: the whole text re-rendered after every token.
    fn naive(tokens: &[&str]) -> Duration {
        let start = Instant::now();
        let mut text = String::new();
        for tok in tokens {
            text.push_str(tok);
            black_box(render(&text));
        }
        start.elapsed()
    }

    fn median<T>(runs: usize, mut f: impl FnMut() -> T, key: impl Fn(&T) -> Duration) -> T {
        let mut all: Vec<T> = (0..runs).map(|_| f()).collect();
        all.sort_by_key(|r| key(r));
        all.swap_remove(runs / 2)
    }

    pub fn main() {
        println!(
            "| tokens | bytes | segments | total ms | µs/token | worst token µs | max tail bytes |\n\
             |---:|---:|---:|---:|---:|---:|---:|"
        );
        for n in [1_000, 10_000, 50_000] {
            let text = answer(n * 4);
            let toks: Vec<&str> = tokens(&text).into_iter().take(n).collect();
            let bytes: usize = toks.iter().map(|t| t.len()).sum();
            let run = median(5, || stream(&toks), |r| r.time);
            println!(
                "| {n} | {bytes} | {} | {:.1} | {:.2} | {:.0} | {} |",
                run.segments,
                run.time.as_secs_f64() * 1e3,
                run.time.as_secs_f64() * 1e6 / n as f64,
                run.worst_token.as_secs_f64() * 1e6,
                run.max_tail
            );
        }
        println!("\nFor contrast, re-rendering the whole text after every token (grows with the answer):\n");
        println!("| tokens | total ms | µs/token |\n|---:|---:|---:|");
        for n in [1_000, 2_000, 4_000] {
            let text = answer(n * 4);
            let toks: Vec<&str> = tokens(&text).into_iter().take(n).collect();
            let d = median(3, || naive(&toks), |d| *d);
            println!(
                "| {n} | {:.1} | {:.2} |",
                d.as_secs_f64() * 1e3,
                d.as_secs_f64() * 1e6 / n as f64
            );
        }
    }
}
