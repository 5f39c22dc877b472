//! The metrics of `storyhash eval`: a prediction lined up with gold
//! ([`align`]) and scored ([`score`]) from the contingency table of the two
//! partitions, in O(n + clusters).

use super::Labels;

/// A prediction lined up with the gold ids: for each gold id, in gold order,
/// its predicted and gold cluster numbered densely from 0.
#[derive(Debug, Clone)]
pub struct Aligned {
    pred: Vec<u32>,
    gold: Vec<u32>,
    pred_clusters: usize,
    gold_clusters: usize,
    /// Gold ids absent from the prediction; each was scored as a predicted
    /// cluster of its own.
    pub missing: usize,
    /// Predicted ids absent from gold; they were ignored.
    pub extra: usize,
}

impl Aligned {
    /// Number of documents scored (the gold ids).
    pub fn len(&self) -> usize {
        self.gold.len()
    }

    /// Whether there is nothing to score.
    pub fn is_empty(&self) -> bool {
        self.gold.is_empty()
    }

    /// Number of predicted clusters among the scored documents, counting
    /// each missing id as one.
    pub fn pred_clusters(&self) -> usize {
        self.pred_clusters
    }

    /// Number of gold clusters.
    pub fn gold_clusters(&self) -> usize {
        self.gold_clusters
    }
}

/// Lines `pred` up with the ids of `gold`. A gold id missing from `pred`
/// becomes a predicted singleton; predicted ids not in gold are dropped,
/// so their labels do not count as predicted clusters.
pub fn align(pred: &Labels, gold: &Labels) -> Aligned {
    // Predicted label numbers are renumbered in order of first use, so
    // labels used only by extra ids leave no empty cluster behind.
    let mut renumber = vec![u32::MAX; pred.names.len()];
    let mut next: u32 = 0;
    let mut assigned = Vec::with_capacity(gold.len());
    let mut missing = 0;
    for id in &gold.ids {
        let cluster = match pred.index.get(id) {
            Some(&pos) => {
                let slot = &mut renumber[pred.label[pos as usize] as usize];
                if *slot == u32::MAX {
                    *slot = next;
                    next += 1;
                }
                *slot
            }
            None => {
                missing += 1;
                next += 1;
                next - 1
            }
        };
        assigned.push(cluster);
    }
    // Each gold id found in `pred` is a distinct predicted id, so the rest
    // of `pred` is extra; no second pass of lookups.
    let extra = pred.len() - (gold.len() - missing);
    Aligned {
        pred: assigned,
        // Gold label numbers are already dense: a label is only interned
        // when an id is inserted with it.
        gold: gold.label.clone(),
        pred_clusters: next as usize,
        gold_clusters: gold.names.len(),
        missing,
        extra,
    }
}

/// Agreement between a prediction and gold. Every score is in [0, 1]
/// except ARI, which is in [-1, 1] with 0 for chance agreement; 1 is
/// perfect agreement for all of them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Scores {
    /// Share of predicted same-cluster pairs that are gold same-cluster
    /// pairs (1 when no pair is predicted).
    pub pairwise_precision: f64,
    /// Share of gold same-cluster pairs that are predicted (1 when gold has
    /// no pair).
    pub pairwise_recall: f64,
    /// Harmonic mean of the pairwise precision and recall (0 when both are 0).
    pub pairwise_f1: f64,
    /// Mean over documents of |C(d) ∩ G(d)| / |C(d)|, C(d) and G(d) being
    /// the predicted and gold clusters of d.
    pub bcubed_precision: f64,
    /// Mean over documents of |C(d) ∩ G(d)| / |G(d)|.
    pub bcubed_recall: f64,
    /// Harmonic mean of the B-cubed precision and recall.
    pub bcubed_f1: f64,
    /// Adjusted Rand index (Hubert & Arabie).
    pub ari: f64,
    /// Mutual information over the arithmetic mean of the two entropies.
    pub nmi: f64,
    /// Number of documents scored (the gold ids).
    pub n: usize,
    /// Predicted clusters among them, missing ids counting one each.
    pub pred_clusters: usize,
    /// Gold clusters.
    pub gold_clusters: usize,
    /// Gold ids absent from the prediction.
    pub missing: usize,
    /// Predicted ids absent from gold (ignored).
    pub extra: usize,
}

/// Scores an aligned prediction. Runs in O(n + clusters) time.
///
/// With no documents every score is 1 (nothing was got wrong), matching
/// scikit-learn's ARI and NMI on empty input.
pub fn score(a: &Aligned) -> Scores {
    let t = Contingency::new(a);
    let n = a.len() as u64;

    // Pairwise: a pair of documents is "predicted" when it shares a
    // predicted cluster, "true" when it shares a gold cluster as well. The
    // true pairs are those within one contingency cell.
    let true_pairs: u64 = t.cells.iter().map(|c| pairs(c.count)).sum();
    let pred_pairs: u64 = t.pred_sizes.iter().map(|&s| pairs(s)).sum();
    let gold_pairs: u64 = t.gold_sizes.iter().map(|&s| pairs(s)).sum();
    let ratio = |num: u64, den: u64| {
        if den == 0 {
            1.0
        } else {
            num as f64 / den as f64
        }
    };
    let pairwise_precision = ratio(true_pairs, pred_pairs);
    let pairwise_recall = ratio(true_pairs, gold_pairs);

    // B-cubed (Bagga & Baldwin 1998; Amigó et al. 2009): the k documents of
    // a cell each have |C(d) ∩ G(d)| = k, so the cell adds k * k / |C| to
    // the precision sum and k * k / |G| to the recall sum.
    let (mut bp, mut br) = (0.0, 0.0);
    for c in &t.cells {
        let k = c.count as f64;
        bp += k * k / t.pred_sizes[c.pred as usize] as f64;
        br += k * k / t.gold_sizes[c.gold as usize] as f64;
    }
    let (bcubed_precision, bcubed_recall) = if n == 0 {
        (1.0, 1.0)
    } else {
        (bp / n as f64, br / n as f64)
    };

    Scores {
        pairwise_precision,
        pairwise_recall,
        pairwise_f1: harmonic(pairwise_precision, pairwise_recall),
        bcubed_precision,
        bcubed_recall,
        bcubed_f1: harmonic(bcubed_precision, bcubed_recall),
        ari: ari(true_pairs, pred_pairs, gold_pairs, pairs(n)),
        nmi: nmi(&t, n),
        n: a.len(),
        pred_clusters: a.pred_clusters,
        gold_clusters: a.gold_clusters,
        missing: a.missing,
        extra: a.extra,
    }
}

/// Number of unordered pairs among `x` items, without overflowing for any
/// `x` below 2^32 (halve the even factor before multiplying).
fn pairs(x: u64) -> u64 {
    if x < 2 {
        0
    } else if x.is_multiple_of(2) {
        (x / 2) * (x - 1)
    } else {
        x * ((x - 1) / 2)
    }
}

fn harmonic(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Adjusted Rand index (Hubert & Arabie 1985) from pair counts: `index`
/// true pairs, `a` predicted pairs, `b` gold pairs, `total` pairs.
///
/// ARI = (index − a·b/total) / ((a + b)/2 − a·b/total). Multiplying through
/// by 2·total gives 2(index·total − a·b) / (a(total − b) + b(total − a)),
/// the form scikit-learn uses. Every product is below 2^126 in `u128`, so
/// both the numerator and the zero test of the denominator are exact; the
/// denominator is zero only when the two partitions have the same pairs
/// trivially (both all singletons, both one cluster, or fewer than two
/// documents), which is perfect agreement.
fn ari(index: u64, a: u64, b: u64, total: u64) -> f64 {
    let (index, a, b, total) = (index as u128, a as u128, b as u128, total as u128);
    let den = a * (total - b) + b * (total - a);
    if den == 0 {
        return 1.0;
    }
    let num = (index * total) as i128 - (a * b) as i128;
    2.0 * num as f64 / den as f64
}

/// Normalised mutual information, arithmetic-mean normalisation
/// (scikit-learn's default, Vinh, Epps & Bailey 2010):
/// NMI = I(C; G) / ((H(C) + H(G)) / 2), natural logarithms.
fn nmi(t: &Contingency, n: u64) -> f64 {
    // Both entropies are 0 exactly when each side is one cluster (or there
    // is nothing): the partitions agree. Tested on the counts, not on a
    // floating-point entropy that may come out as 1e-17.
    if t.pred_sizes.len() <= 1 && t.gold_sizes.len() <= 1 {
        return 1.0;
    }
    let nf = n as f64;
    let ln_n = nf.ln();
    // H = −Σ (s/n) ln(s/n) = ln n − Σ s ln s / n, which needs one log per
    // cluster and no division inside the sum.
    let entropy = |sizes: &[u64]| {
        ln_n - sizes
            .iter()
            .map(|&s| s as f64 * (s as f64).ln())
            .sum::<f64>()
            / nf
    };
    let (h_pred, h_gold) = (entropy(&t.pred_sizes), entropy(&t.gold_sizes));
    // I = Σ (k/n) ln(n·k / (|C|·|G|)) over the cells, in logs so that
    // n·k never overflows.
    let mi: f64 = t
        .cells
        .iter()
        .map(|c| {
            let k = c.count as f64;
            let (p, g) = (
                t.pred_sizes[c.pred as usize] as f64,
                t.gold_sizes[c.gold as usize] as f64,
            );
            k / nf * (k.ln() + ln_n - p.ln() - g.ln())
        })
        .sum();
    let mean = (h_pred + h_gold) / 2.0;
    if mi <= 0.0 || mean <= 0.0 {
        return 0.0;
    }
    // Rounding can push a perfect match a hair over 1.
    (mi / mean).min(1.0)
}

/// One non-empty cell of the contingency table.
struct Cell {
    pred: u32,
    gold: u32,
    count: u64,
}

/// The contingency table of two partitions: cluster sizes on each side and
/// the non-empty cells.
struct Contingency {
    pred_sizes: Vec<u64>,
    gold_sizes: Vec<u64>,
    cells: Vec<Cell>,
}

impl Contingency {
    /// Built by a counting sort on the predicted cluster, then a tally of
    /// gold clusters within each predicted cluster in a reused dense array:
    /// O(n + clusters), no hashing, and the cells come out in a fixed order
    /// so the floating-point sums are reproducible.
    fn new(a: &Aligned) -> Contingency {
        let mut start = vec![0usize; a.pred_clusters + 1];
        for &p in &a.pred {
            start[p as usize + 1] += 1;
        }
        for c in 0..a.pred_clusters {
            start[c + 1] += start[c];
        }
        let pred_sizes = start.windows(2).map(|w| (w[1] - w[0]) as u64).collect();
        let mut fill = start.clone();
        let mut by_pred = vec![0u32; a.pred.len()];
        for (&p, &g) in a.pred.iter().zip(&a.gold) {
            by_pred[fill[p as usize]] = g;
            fill[p as usize] += 1;
        }

        let mut gold_sizes = vec![0u64; a.gold_clusters];
        let mut tally = vec![0u64; a.gold_clusters];
        let mut touched = Vec::new();
        let mut cells = Vec::new();
        for c in 0..a.pred_clusters {
            for &g in &by_pred[start[c]..start[c + 1]] {
                if tally[g as usize] == 0 {
                    touched.push(g);
                }
                tally[g as usize] += 1;
            }
            for g in touched.drain(..) {
                let count = std::mem::take(&mut tally[g as usize]);
                gold_sizes[g as usize] += count;
                cells.push(Cell {
                    pred: c as u32,
                    gold: g,
                    count,
                });
            }
        }
        Contingency {
            pred_sizes,
            gold_sizes,
            cells,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table from `(id, label)` pairs.
    fn labels(pairs: &[(&str, &str)]) -> Labels {
        let mut l = Labels::new();
        for (id, label) in pairs {
            assert!(l.insert(id, label), "duplicate {id} in test data");
        }
        l
    }

    /// A table from clusters written as strings of one-letter ids:
    /// `["abc", "de"]` is {a,b,c | d,e}.
    fn clusters(groups: &[&str]) -> Labels {
        let mut l = Labels::new();
        for (i, g) in groups.iter().enumerate() {
            for id in g.chars() {
                assert!(l.insert(&id.to_string(), &format!("c{i}")));
            }
        }
        l
    }

    fn eval(pred: &[&str], gold: &[&str]) -> Scores {
        score(&align(&clusters(pred), &clusters(gold)))
    }

    #[track_caller]
    fn close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
    }

    #[track_caller]
    fn all_one(s: &Scores) {
        for v in [
            s.pairwise_precision,
            s.pairwise_recall,
            s.pairwise_f1,
            s.bcubed_precision,
            s.bcubed_recall,
            s.bcubed_f1,
            s.ari,
            s.nmi,
        ] {
            close(v, 1.0);
        }
    }

    #[test]
    fn worked_example() {
        // gold {a,b,c | d,e}, pred {a,b | c,d,e}.
        // Contingency (rows pred, columns gold):
        //            G1{abc} G2{de} | size
        //   P1{ab}      2      0    |  2
        //   P2{cde}     1      2    |  3
        //   size        3      2    |  n = 5
        let s = eval(&["ab", "cde"], &["abc", "de"]);
        assert_eq!((s.n, s.pred_clusters, s.gold_clusters), (5, 2, 2));
        assert_eq!((s.missing, s.extra), (0, 0));

        // Pairwise: true pairs C(2,2) + C(1,2) + C(2,2) = 1 + 0 + 1 = 2 ({a,b}, {d,e});
        // predicted pairs C(2,2) + C(3,2) = 1 + 3 = 4; gold pairs C(3,2) + C(2,2) = 4.
        // P = 2/4, R = 2/4, F1 = 0.5.
        close(s.pairwise_precision, 0.5);
        close(s.pairwise_recall, 0.5);
        close(s.pairwise_f1, 0.5);

        // B-cubed precision, |C(d) ∩ G(d)| / |C(d)|: a 2/2, b 2/2, c 1/3,
        // d 2/3, e 2/3; sum 11/3, mean 11/15.
        // Recall, / |G(d)|: a 2/3, b 2/3, c 1/3, d 2/2, e 2/2; sum 11/3, mean 11/15.
        // F1 = 11/15.
        close(s.bcubed_precision, 11.0 / 15.0);
        close(s.bcubed_recall, 11.0 / 15.0);
        close(s.bcubed_f1, 11.0 / 15.0);

        // ARI: index 2, expected 4 * 4 / C(5,2) = 16/10 = 1.6, max (4 + 4)/2 = 4;
        // (2 - 1.6) / (4 - 1.6) = 0.4 / 2.4 = 1/6.
        close(s.ari, 1.0 / 6.0);

        // NMI: H(pred) = H(gold) = -(2/5 ln 2/5 + 3/5 ln 3/5) = ln 5 - 2/5 ln 2 - 3/5 ln 3
        // (= 0.673011667...).
        // I = Σ k/n ln(n k / (|C| |G|)) = 2/5 ln(10/6) + 1/5 ln(5/9) + 2/5 ln(10/6)
        //   = 4/5 ln(5/3) + 1/5 ln(5/9) (= 0.291103166...).
        // NMI = I / ((H + H) / 2) = I / H = 0.43253806776631...
        let (ln2, ln3, ln5) = (2f64.ln(), 3f64.ln(), 5f64.ln());
        let h = ln5 - 0.4 * ln2 - 0.6 * ln3;
        let i = 0.8 * (5.0f64 / 3.0).ln() + 0.2 * (5.0f64 / 9.0).ln();
        close(s.nmi, i / h);
        // Both values agree with scikit-learn 1.9.1:
        // adjusted_rand_score([0,0,0,1,1], [0,0,1,1,1]) = 0.16666666666666666,
        // normalized_mutual_info_score(...)              = 0.43253806776631243.
        close(s.ari, 0.16666666666666666);
        close(s.nmi, 0.43253806776631243);
    }

    #[test]
    fn refinement_with_unequal_entropies() {
        // gold {a,b,c,d | e,f}, pred {a,b | c,d | e | f}: pred splits gold.
        // Cells: {ab}∩G1 = 2, {cd}∩G1 = 2, {e}∩G2 = 1, {f}∩G2 = 1; n = 6.
        let s = eval(&["ab", "cd", "e", "f"], &["abcd", "ef"]);
        assert_eq!((s.pred_clusters, s.gold_clusters), (4, 2));

        // Pairwise: true pairs 1 + 1 = 2; predicted pairs 1 + 1 = 2;
        // gold pairs C(4,2) + C(2,2) = 7. P = 1, R = 2/7, F1 = 2(2/7)/(9/7) = 4/9.
        close(s.pairwise_precision, 1.0);
        close(s.pairwise_recall, 2.0 / 7.0);
        close(s.pairwise_f1, 4.0 / 9.0);

        // B-cubed: every C(d) lies inside G(d), so P = 1. Recall: a..d 2/4 each,
        // e and f 1/2 each; mean 1/2. F1 = 2(1/2)/(3/2) = 2/3.
        close(s.bcubed_precision, 1.0);
        close(s.bcubed_recall, 0.5);
        close(s.bcubed_f1, 2.0 / 3.0);

        // ARI: index 2, total C(6,2) = 15, expected 2 * 7 / 15 = 14/15,
        // max (2 + 7)/2 = 9/2; (2 - 14/15) / (9/2 - 14/15) = (16/15) / (107/30) = 32/107.
        close(s.ari, 32.0 / 107.0);

        // NMI: a refinement has I = H(gold).
        // H(gold) = -(4/6 ln 4/6 + 2/6 ln 2/6) = ln 3 - 2/3 ln 2;
        // H(pred) = -(2 (2/6) ln 2/6 + 2 (1/6) ln 1/6) = ln 3 + 1/3 ln 2;
        // NMI = H(gold) / ((H(gold) + H(pred)) / 2) = 2(ln 3 - 2/3 ln 2) / (2 ln 3 - 1/3 ln 2).
        let (ln2, ln3) = (2f64.ln(), 3f64.ln());
        close(
            s.nmi,
            2.0 * (ln3 - 2.0 / 3.0 * ln2) / (2.0 * ln3 - ln2 / 3.0),
        );
        // scikit-learn 1.9.1 agrees: adjusted_rand_score([0,0,0,0,1,1], [0,0,1,1,2,3])
        // = 0.29906542056074764, normalized_mutual_info_score(...) = 0.6474642398330628.
        close(s.ari, 0.29906542056074764);
        close(s.nmi, 0.6474642398330628);
    }

    #[test]
    fn perfect_agreement_with_other_label_names() {
        let gold = labels(&[("a", "x"), ("b", "x"), ("c", "y"), ("d", "z"), ("e", "y")]);
        let pred = labels(&[("e", "2"), ("d", "1"), ("c", "2"), ("b", "0"), ("a", "0")]);
        let s = score(&align(&pred, &gold));
        all_one(&s);
        assert_eq!((s.n, s.pred_clusters, s.gold_clusters), (5, 3, 3));
    }

    #[test]
    fn all_singletons_against_one_cluster() {
        // pred {a | b | c | d}, gold {a,b,c,d}.
        let s = eval(&["a", "b", "c", "d"], &["abcd"]);
        // Pairwise: no predicted pair, so P = 1 by definition; 0 of the
        // C(4,2) = 6 gold pairs found, R = 0; F1 = 0.
        close(s.pairwise_precision, 1.0);
        close(s.pairwise_recall, 0.0);
        close(s.pairwise_f1, 0.0);
        // B-cubed: P = 1 (each C(d) = {d}); R = mean of 1/4 = 1/4;
        // F1 = 2(1)(1/4)/(5/4) = 2/5.
        close(s.bcubed_precision, 1.0);
        close(s.bcubed_recall, 0.25);
        close(s.bcubed_f1, 0.4);
        // ARI: index 0 = expected 0 * 6 / 6, max 3: (0 - 0) / (3 - 0) = 0.
        // NMI: H(gold) = 0 and I = 0, so 0 (H(pred) = ln 4 makes the mean positive).
        // scikit-learn: adjusted_rand_score([0,0,0,0], [0,1,2,3]) = 0.0, NMI = 0.0.
        close(s.ari, 0.0);
        close(s.nmi, 0.0);
    }

    #[test]
    fn one_cluster_against_all_singletons() {
        // pred {a,b,c,d}, gold {a | b | c | d}: the mirror image.
        let s = eval(&["abcd"], &["a", "b", "c", "d"]);
        close(s.pairwise_precision, 0.0); // 0 of 6 predicted pairs are true
        close(s.pairwise_recall, 1.0); // gold has no pair
        close(s.pairwise_f1, 0.0);
        close(s.bcubed_precision, 0.25); // 1/4 for each document
        close(s.bcubed_recall, 1.0);
        close(s.bcubed_f1, 0.4);
        close(s.ari, 0.0); // scikit-learn: 0.0
        close(s.nmi, 0.0); // scikit-learn: 0.0
    }

    #[test]
    fn degenerate_agreements_score_one() {
        // Both all singletons: no pairs on either side (P = R = 1 by
        // definition), ARI's expected index 0 equals its max 0 (defined as 1),
        // I = H = ln 4 on both sides. scikit-learn gives 1.0 and 1.0.
        let s = eval(&["a", "b", "c", "d"], &["a", "b", "c", "d"]);
        all_one(&s);
        // Both one cluster: every pair true; ARI's expected index 3 * 3 / 3 = 3
        // equals the max 3 (defined as 1); both entropies 0 (defined as 1).
        // scikit-learn gives 1.0 and 1.0.
        let s = eval(&["abc"], &["abc"]);
        all_one(&s);
        // One document, and none.
        all_one(&eval(&["a"], &["a"]));
        let s = eval(&[], &[]);
        all_one(&s);
        assert_eq!(s.n, 0);
    }

    #[test]
    fn missing_ids_are_singletons_and_extra_ids_ignored() {
        // gold {a,b,c}; pred has a and b together with z (not in gold), and
        // no c. Aligned pred: {a,b | c}; the pred label of z alone (`solo`)
        // does not count as a cluster.
        let gold = clusters(&["abc"]);
        let pred = labels(&[("a", "x"), ("b", "x"), ("z", "x"), ("q", "solo")]);
        let al = align(&pred, &gold);
        assert_eq!((al.len(), al.missing, al.extra), (3, 1, 2));
        assert_eq!((al.pred_clusters(), al.gold_clusters()), (2, 1));
        let s = score(&al);
        assert_eq!((s.n, s.pred_clusters, s.gold_clusters), (3, 2, 1));
        assert_eq!((s.missing, s.extra), (1, 2));
        // Pairwise: true {a,b} = 1, predicted 1, gold C(3,2) = 3:
        // P = 1, R = 1/3, F1 = 2(1/3)/(4/3) = 1/2.
        close(s.pairwise_precision, 1.0);
        close(s.pairwise_recall, 1.0 / 3.0);
        close(s.pairwise_f1, 0.5);
        // B-cubed: P = 1; R = (2/3 + 2/3 + 1/3) / 3 = 5/9; F1 = 2(5/9)/(14/9) = 5/7.
        close(s.bcubed_precision, 1.0);
        close(s.bcubed_recall, 5.0 / 9.0);
        close(s.bcubed_f1, 5.0 / 7.0);
        // ARI: index 1, expected 1 * 3 / 3 = 1, max 2: 0 / 1 = 0. NMI: H(gold) = 0 → 0.
        // scikit-learn: adjusted_rand_score([0,0,0], [0,0,1]) = 0.0, NMI = 0.0.
        close(s.ari, 0.0);
        close(s.nmi, 0.0);
    }

    #[test]
    fn missing_ids_are_not_merged_with_each_other() {
        // pred knows only a: b and c become two singletons, not one cluster.
        let al = align(&labels(&[("a", "x")]), &clusters(&["abc"]));
        assert_eq!((al.pred_clusters(), al.missing, al.extra), (3, 2, 0));
        let s = score(&al);
        close(s.pairwise_recall, 0.0);
        close(s.pairwise_precision, 1.0);
    }

    #[test]
    fn pair_counts_do_not_overflow() {
        assert_eq!(pairs(0), 0);
        assert_eq!(pairs(1), 0);
        assert_eq!(pairs(5), 10);
        assert_eq!(pairs(10_000_000), 49_999_995_000_000);
        let big = u32::MAX as u64;
        assert_eq!(pairs(big) as u128, (big as u128) * (big as u128 - 1) / 2);
        // ARI on 10^7 documents split into two equal halves on both sides,
        // identically: exact integer arithmetic keeps it at 1.
        let half = pairs(5_000_000) * 2;
        close(ari(half, half, half, pairs(10_000_000)), 1.0);
        // And at the u32 limit nothing overflows: index = a = b gives 1.
        let t = pairs(big);
        close(ari(t / 3, t / 3, t / 3, t), 1.0);
    }

    /// The obvious O(n^2) definitions, to check the contingency shortcuts.
    fn brute_force(pred: &[u32], gold: &[u32]) -> (f64, f64, f64, f64, f64) {
        let n = pred.len();
        let (mut tp, mut pp, mut gp, mut agree) = (0u64, 0u64, 0u64, 0u64);
        for i in 0..n {
            for j in i + 1..n {
                let (sp, sg) = (pred[i] == pred[j], gold[i] == gold[j]);
                tp += (sp && sg) as u64;
                pp += sp as u64;
                gp += sg as u64;
                agree += (sp == sg) as u64;
            }
        }
        let (mut bp, mut br) = (0.0, 0.0);
        for d in 0..n {
            let c = (0..n).filter(|&e| pred[e] == pred[d]).count() as f64;
            let g = (0..n).filter(|&e| gold[e] == gold[d]).count() as f64;
            let both = (0..n)
                .filter(|&e| pred[e] == pred[d] && gold[e] == gold[d])
                .count() as f64;
            bp += both / c;
            br += both / g;
        }
        let r = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        // ARI as the Rand index rescaled: (RI − E[RI]) / (1 − E[RI]), with
        // E[RI] = (pp·gp + (t−pp)(t−gp)) / t² under the hypergeometric model.
        let t = (n * n.saturating_sub(1) / 2) as f64;
        let expected = (pp as f64 * gp as f64 + (t - pp as f64) * (t - gp as f64)) / (t * t);
        let ri = agree as f64 / t;
        let ari = if (1.0 - expected).abs() < 1e-15 || t == 0.0 {
            1.0
        } else {
            (ri - expected) / (1.0 - expected)
        };
        (r(tp, pp), r(tp, gp), bp / n as f64, br / n as f64, ari)
    }

    proptest::proptest! {
        #[test]
        fn contingency_matches_pairwise_definitions(
            docs in proptest::collection::vec((0u32..5, 0u32..5), 1..40)
        ) {
            let mut pred = Labels::new();
            let mut gold = Labels::new();
            for (i, (p, g)) in docs.iter().enumerate() {
                pred.insert(&i.to_string(), &p.to_string());
                gold.insert(&i.to_string(), &g.to_string());
            }
            let al = align(&pred, &gold);
            let s = score(&al);
            let (pp, pr, bp, br, ari) = brute_force(&al.pred, &al.gold);
            proptest::prop_assert!((s.pairwise_precision - pp).abs() < 1e-9);
            proptest::prop_assert!((s.pairwise_recall - pr).abs() < 1e-9);
            proptest::prop_assert!((s.bcubed_precision - bp).abs() < 1e-9);
            proptest::prop_assert!((s.bcubed_recall - br).abs() < 1e-9);
            proptest::prop_assert!((s.ari - ari).abs() < 1e-9, "{} vs {}", s.ari, ari);
            proptest::prop_assert!((0.0..=1.0).contains(&s.nmi));
            // NMI is symmetric; swapping the roles must not change it.
            let swapped = score(&align(&gold, &pred));
            proptest::prop_assert!((s.nmi - swapped.nmi).abs() < 1e-12);
            proptest::prop_assert!((s.ari - swapped.ari).abs() < 1e-12);
        }
    }
}
