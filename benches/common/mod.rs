//! Fixed-seed synthetic articles for the benchmarks: Zipf-like vocabulary
//! of invented words, paragraphs, outlet footers, and planted near-copies,
//! so every stage sees the shapes it meets in news.

#![allow(dead_code)] // each bench uses part of it

/// A small linear congruential generator: deterministic on every machine.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn vocabulary(n: usize, rng: &mut Lcg) -> Vec<String> {
    const SYL: [&str; 24] = [
        "ka", "lo", "mer", "tin", "sa", "ve", "dor", "pla", "qui", "ren", "bo", "stu", "an", "el",
        "ish", "gro", "fa", "ne", "tor", "wi", "chi", "zu", "mon", "ral",
    ];
    (0..n)
        .map(|_| {
            let k = 1 + rng.below(3) as usize;
            (0..k)
                .map(|_| SYL[rng.below(SYL.len() as u64) as usize])
                .collect()
        })
        .collect()
}

/// One article: `(text, title)`.
pub struct Article {
    pub text: String,
    pub title: String,
}

/// `n` articles, about a fifth of them edited copies of earlier ones.
pub fn articles(n: usize, seed: u64) -> Vec<Article> {
    let mut rng = Lcg::new(seed);
    let vocab = vocabulary(20_000, &mut rng);
    // Zipf-ish: squaring a uniform draw favours low ranks.
    let word = |rng: &mut Lcg| {
        let u = rng.below(1 << 20) as f64 / (1u64 << 20) as f64;
        vocab[((u * u * u) * vocab.len() as f64) as usize].as_str()
    };
    let mut out: Vec<Article> = Vec::with_capacity(n);
    for i in 0..n {
        if i > 10 && rng.below(5) == 0 {
            let base = &out[rng.below(i as u64) as usize];
            let mut words: Vec<&str> = base.text.split(' ').collect();
            for _ in 0..words.len() / 30 {
                let at = rng.below(words.len() as u64) as usize;
                words[at] = word(&mut rng);
            }
            let text = words.join(" ") + "\n\nRead more at the Valley Ledger";
            let title = base.title.clone();
            out.push(Article { text, title });
            continue;
        }
        let len = 300 + rng.below(500) as usize;
        let mut text = String::with_capacity(len * 7);
        for w in 0..len {
            if w > 0 {
                text.push(if w % 60 == 0 { '\n' } else { ' ' });
            }
            text.push_str(word(&mut rng));
        }
        text.push_str(&format!(
            "\n\nSign up for the Outlet {} newsletter",
            rng.below(20)
        ));
        let title = (0..8).map(|_| word(&mut rng)).collect::<Vec<_>>().join(" ");
        out.push(Article { text, title });
    }
    out
}

/// The articles as JSON Lines, with ids, outlets and dates.
pub fn jsonl(arts: &[Article]) -> Vec<u8> {
    let mut s = String::new();
    for (i, a) in arts.iter().enumerate() {
        s.push_str(&format!(
            "{{\"id\":\"b{i}\",\"title\":\"{}\",\"source\":\"Outlet {}\",\"date\":\"2025-{:02}-{:02}\",\"text\":\"{}\"}}\n",
            a.title,
            i % 20,
            1 + i % 12,
            1 + i % 28,
            a.text.replace('\n', "\\n")
        ));
    }
    s.into_bytes()
}

/// Total text bytes.
pub fn text_bytes(arts: &[Article]) -> u64 {
    arts.iter().map(|a| a.text.len() as u64).sum()
}
