//! Comparing two builds measured in pairs: the ratio of their medians (or
//! means) with a 95 % confidence interval from a paired bootstrap, and what
//! "at or below" means for it.
//!
//! The load bench times round trips through the relay and through websocat in
//! turn, so sample `i` of each side met the same moment of a shared machine.
//! Resampling whole pairs (with replacement) keeps that pairing; the interval
//! is the 2.5th to 97.5th percentile of the resampled ratios. A ratio whose
//! interval lies above 1.00 is measurably slower; one whose interval holds
//! 1.00 cannot be told apart from parity on this machine in this run.

use std::time::Duration;

/// Resamples per interval: enough for stable 2.5 / 97.5 percentiles.
const RESAMPLES: usize = 2000;

/// Which statistic of each side is compared.
#[derive(Clone, Copy)]
pub enum Stat {
    Median,
    Mean,
}

/// `a`'s statistic over `b`'s, and its 95 % interval.
pub struct Ratio {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Ratio {
    /// `a` ÷ `b` for samples taken in pairs (`a[i]` beside `b[i]`); `None`
    /// when there are no pairs.
    pub fn of_pairs(a: &[Duration], b: &[Duration], stat: Stat) -> Option<Ratio> {
        let n = a.len().min(b.len());
        if n == 0 {
            return None;
        }
        let a: Vec<f64> = a.iter().take(n).map(Duration::as_secs_f64).collect();
        let b: Vec<f64> = b.iter().take(n).map(Duration::as_secs_f64).collect();
        let value = statistic(&mut a.clone(), stat) / statistic(&mut b.clone(), stat);
        let mut rng = SplitMix64(0x5eed_cafe);
        let mut ratios = Vec::with_capacity(RESAMPLES);
        let (mut ra, mut rb) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..RESAMPLES {
            ra.clear();
            rb.clear();
            for _ in 0..n {
                let i = rng.below(n);
                ra.push(a[i]);
                rb.push(b[i]);
            }
            ratios.push(statistic(&mut ra, stat) / statistic(&mut rb, stat));
        }
        ratios.sort_unstable_by(f64::total_cmp);
        let at = |q: f64| ratios[((RESAMPLES - 1) as f64 * q).round() as usize];
        Some(Ratio {
            value,
            low: at(0.025),
            high: at(0.975),
        })
    }

    /// "below" when even the interval's top is under 1.00, "at" when the
    /// interval holds 1.00, "MISSED" when it lies wholly above.
    pub fn at_or_below(&self) -> &'static str {
        if self.high < 1.0 {
            "met: below"
        } else if self.low <= 1.0 {
            "met: at (parity within the interval)"
        } else {
            "MISSED"
        }
    }

    /// `1.00× [0.99–1.01]`.
    pub fn show(&self) -> String {
        format!("{:.3}× [{:.3}–{:.3}]", self.value, self.low, self.high)
    }
}

fn statistic(xs: &mut [f64], stat: Stat) -> f64 {
    match stat {
        Stat::Mean => xs.iter().sum::<f64>() / xs.len() as f64,
        Stat::Median => {
            let mid = (xs.len() - 1) / 2;
            let (_, m, _) = xs.select_nth_unstable_by(mid, f64::total_cmp);
            *m
        }
    }
}

/// A small, seeded generator: the interval of a run is reproducible from its
/// samples.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n ≥ 1), by multiply-shift.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}
