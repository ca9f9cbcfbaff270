//! Seeded random streams and the few distributions the generator needs.
//!
//! Every village gets its own streams, derived from the run's seed, the village's code and a stream number,
//! so a village's output does not depend on which other villages are generated, in which order or on which
//! thread. Separate streams for the data and for defects mean that changing the defect rate leaves every
//! other value unchanged.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// ChaCha8 plus the spare value of the last Box–Muller pair (normal draws are a hot spot: one per household
/// and year).
pub(crate) struct SynthRng {
    inner: ChaCha8Rng,
    spare_normal: Option<f64>,
}

impl RngCore for SynthRng {
    fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.inner.fill_bytes(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.inner.try_fill_bytes(dest)
    }
}

/// Stream numbers: independent sequences of one village.
pub(crate) const STREAM_DATA: u64 = 1;
pub(crate) const STREAM_DEFECTS: u64 = 2;
pub(crate) const STREAM_PLAN: u64 = 3;

/// SplitMix64 finaliser: spreads nearby inputs (consecutive codes) over the whole 64-bit range.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stream for (`seed`, `key`, `stream`); `key` identifies the village (or county, for plan decisions).
pub(crate) fn stream(seed: u64, key: &str, stream: u64) -> SynthRng {
    let mut h = mix(seed ^ 0x6A69_6E67_7A68_756E);
    for b in key.bytes() {
        h = mix(h ^ u64::from(b));
    }
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        h = mix(h ^ stream.wrapping_mul(0x1000_0000_01B3) ^ i as u64);
        chunk.copy_from_slice(&h.to_le_bytes());
    }
    SynthRng {
        inner: ChaCha8Rng::from_seed(bytes),
        spare_normal: None,
    }
}

/// Uniform in [0, 1).
pub(crate) fn unit(rng: &mut SynthRng) -> f64 {
    rng.gen::<f64>()
}

pub(crate) fn chance(rng: &mut SynthRng, p: f64) -> bool {
    unit(rng) < p
}

/// Uniform in [lo, hi).
pub(crate) fn between(rng: &mut SynthRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(rng)
}

/// Standard normal (Box–Muller, both values of a pair used).
pub(crate) fn normal(rng: &mut SynthRng) -> f64 {
    if let Some(z) = rng.spare_normal.take() {
        return z;
    }
    let u1 = unit(rng).max(1e-12);
    let u2 = unit(rng);
    let r = (-2.0 * u1.ln()).sqrt();
    let (sin, cos) = (std::f64::consts::TAU * u2).sin_cos();
    rng.spare_normal = Some(r * sin);
    r * cos
}

/// Lognormal with mean one and the given sigma of the log.
pub(crate) fn lognormal_mean_one(rng: &mut SynthRng, sigma: f64) -> f64 {
    (sigma * normal(rng) - sigma * sigma / 2.0).exp()
}

/// Exponential with the given mean.
pub(crate) fn exponential(rng: &mut SynthRng, mean: f64) -> f64 {
    -mean * (1.0 - unit(rng)).max(1e-12).ln()
}

/// Index drawn with probability proportional to `weights`.
pub(crate) fn weighted_index(rng: &mut SynthRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = unit(rng) * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

/// A value drawn from `(value, weight)` pairs.
pub(crate) fn weighted<T: Copy>(rng: &mut SynthRng, items: &[(T, f64)]) -> T {
    let mut total = 0.0;
    for (_, w) in items {
        total += w;
    }
    let mut x = unit(rng) * total;
    for (v, w) in items {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// Integer in [lo, hi] inclusive.
pub(crate) fn int(rng: &mut SynthRng, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        lo
    } else {
        rng.gen_range(lo..=hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| stream(7, "511902001001", 1).gen()).collect();
        let mut s = stream(7, "511902001001", 1);
        let b: Vec<u64> = (0..4).map(|_| s.gen()).collect();
        assert_eq!(a[0], b[0]);
        assert_ne!(
            stream(7, "511902001001", 1).gen::<u64>(),
            stream(7, "511902001002", 1).gen::<u64>()
        );
        assert_ne!(
            stream(7, "511902001001", 1).gen::<u64>(),
            stream(7, "511902001001", 2).gen::<u64>()
        );
        assert_ne!(
            stream(7, "511902001001", 1).gen::<u64>(),
            stream(8, "511902001001", 1).gen::<u64>()
        );
    }

    #[test]
    fn lognormal_has_mean_one() {
        let mut rng = stream(1, "x", 1);
        let n = 200_000;
        let mean: f64 = (0..n)
            .map(|_| lognormal_mean_one(&mut rng, 0.4))
            .sum::<f64>()
            / n as f64;
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
    }
}
