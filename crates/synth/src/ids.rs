//! Resident IDs that are valid, consistent with the village's county, birth date and sex, and unique across
//! a whole run without any shared state between villages.
//!
//! # How uniqueness is guaranteed
//! An ID is region (6) + birth date (8) + sequence (3) + check character. For one region, sex and birth day
//! there are 499 usable sequence numbers (odd 1…997 for men, even 2…998 for women): call them q = 0…498.
//! Number the (day, q) pairs of a region and sex as `p = day × 499 + q`. The villages that may use a region
//! code form a *family* (the villages of one county; for 巴州区 and 恩阳区 both, since 恩阳区 was split from
//! 巴州区 in 2013 and their people share the old codes); each village of a family of M villages has a distinct
//! slot s < M and may only use pairs with `p mod M = s`. Within the village a counter per (region, sex, day)
//! hands out those pairs in order. Two villages therefore never produce the same ID, and a village's IDs
//! depend only on its own slot, so chunking and threads do not matter.
//!
//! # Capacity
//! A village gets about 499 / M sequence numbers per (region, sex, day): with Bazhong's largest family
//! (巴州区 + 恩阳区, 437 villages) one a day, about 417 a year per sex and region — far more than a village's
//! people of one birth year. When a village's share of a day is used up, the birth date moves forward to the
//! next day with a free pair (at most a few days). Scales above 1 replicate whole counties under synthetic
//! county codes, each its own family, so the capacity per village does not shrink with the scale. A family
//! of more than a few thousand villages (not produced by the shipped tree) would shift dates by M / 499 days
//! and eventually fail with [`crate::SynthError::IdCapacity`] rather than produce a future birth date.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{resident_id::check_character, ResidentId, Sex};

use crate::calibration;

/// A small multiplicative hasher for the allocator's counters: keys are not attacker-controlled, and SipHash
/// showed up in profiles.
#[derive(Default)]
pub(crate) struct FastHasher(u64);

const HASH_K: u64 = 0x517C_C1B7_2722_0A95;

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        crate::rng::mix(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(HASH_K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(HASH_K);
    }

    fn write_i32(&mut self, i: i32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i as u32)).wrapping_mul(HASH_K);
    }
}

/// Usable sequence numbers per region, sex and day.
const PER_DAY: i64 = 499;

/// Hands out the IDs of one village.
pub(crate) struct IdAllocator {
    slot: i64,
    family_size: i64,
    used: HashMap<([u8; 6], bool, i32), i64, BuildHasherDefault<FastHasher>>,
    today: NaiveDate,
}

/// Why an ID could not be produced: only for impossible inputs (a region that is not six digits).
#[derive(Debug)]
pub(crate) struct IdError;

impl IdAllocator {
    pub(crate) fn new(slot: usize, family_size: usize) -> Self {
        Self {
            slot: slot as i64,
            family_size: family_size.max(1) as i64,
            used: HashMap::default(),
            today: calibration::date(calibration::RECORD_DATE),
        }
    }

    /// A fresh ID for someone of `sex` born on or shortly after `birth`, first issued in `region`.
    pub(crate) fn allocate(
        &mut self,
        region: &str,
        birth: NaiveDate,
        sex: Sex,
    ) -> Result<ResidentId, IdError> {
        let region: [u8; 6] = region.as_bytes().try_into().map_err(|_| IdError)?;
        let male = sex == Sex::Male;
        let mut day = birth.num_days_from_ce();
        let m = self.family_size;
        loop {
            let base = i64::from(day) * PER_DAY;
            let q0 = (self.slot - base).rem_euclid(m);
            let count = self.used.entry((region, male, day)).or_insert(0);
            let q = q0 + *count * m;
            if q < PER_DAY {
                *count += 1;
                let date = NaiveDate::from_num_days_from_ce_opt(day).ok_or(IdError)?;
                let seq = if male { 2 * q + 1 } else { 2 * q + 2 };
                return self.build(&region, date, seq);
            }
            day += 1;
        }
    }

    fn build(&self, region: &[u8; 6], date: NaiveDate, seq: i64) -> Result<ResidentId, IdError> {
        let mut first17 = [0u8; 17];
        first17[..6].copy_from_slice(region);
        let date_digits = format!(
            "{:04}{:02}{:02}{seq:03}",
            date.year(),
            date.month(),
            date.day()
        );
        first17[6..].copy_from_slice(date_digits.as_bytes());
        let check = check_character(&first17);
        let mut text = String::with_capacity(18);
        text.push_str(std::str::from_utf8(&first17).map_err(|_| IdError)?);
        text.push(check);
        ResidentId::parse_on(&text, self.today).map_err(|_| IdError)
    }
}

/// The county family of a county code: counties whose people share old region codes.
pub(crate) fn family_key(county: &str) -> &str {
    match county {
        "511903" => "511902",
        other => other,
    }
}

/// Region codes a person of `county` born in `birth_year` may carry, with weights: the current code, and for
/// Bazhong the codes of 巴中地区 (5137xx, 1993–2000) and 达县地区 (5130xx, before 1993) \[weak: the 5130xx
/// county numbers are from memory, and a wrong one is only a data-quality warning, domain.md §2].
pub(crate) fn region_choices(county: &str, birth_year: i32) -> Regions<'_> {
    let (dazhou, bazhong_diqu): (Option<&str>, Option<&str>) = match county {
        "511902" | "511903" => (Some("513027"), Some("513701")),
        "511921" => (Some("513025"), Some("513721")),
        "511922" => (Some("513026"), Some("513722")),
        "511923" => (Some("513028"), Some("513723")),
        _ => (None, None),
    };
    let mut out = Regions {
        items: [(county, 1.0); 4],
        len: 1,
    };
    if county == "511903" && birth_year < 2013 {
        // 恩阳区 was part of 巴州区 until 2013.
        out.push("511902", 0.6);
    }
    if birth_year < 1993 {
        if let Some(c) = dazhou {
            out.push(c, 0.3);
        }
        if let Some(c) = bazhong_diqu {
            out.push(c, 0.3);
        }
    } else if birth_year < 2000 {
        if let Some(c) = bazhong_diqu {
            out.push(c, 0.5);
        }
    }
    out
}

/// Up to four weighted region codes (an array rather than a Vec: this runs once per person).
pub(crate) struct Regions<'a> {
    items: [(&'a str, f64); 4],
    len: usize,
}

impl<'a> Regions<'a> {
    fn push(&mut self, code: &'a str, weight: f64) {
        if self.len < self.items.len() {
            self.items[self.len] = (code, weight);
            self.len += 1;
        }
    }

    pub(crate) fn as_slice(&self) -> &[(&'a str, f64)] {
        &self.items[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn villages_of_one_family_never_collide() {
        let birth = NaiveDate::from_ymd_opt(1980, 5, 1).unwrap_or_default();
        let mut seen = HashSet::new();
        // 700 villages (more than 499 per day) each asking for 5 IDs of the same day and sex.
        for slot in 0..700 {
            let mut alloc = IdAllocator::new(slot, 700);
            for _ in 0..5 {
                let id = alloc.allocate("511921", birth, Sex::Female).unwrap();
                assert_eq!(id.sex(), Sex::Female);
                assert!(id.birth_date() >= birth);
                assert!(seen.insert(id.as_str().to_owned()));
            }
        }
        assert_eq!(seen.len(), 3500);
    }

    #[test]
    fn small_family_keeps_the_birth_date() {
        let birth = NaiveDate::from_ymd_opt(1975, 3, 4).unwrap_or_default();
        let mut alloc = IdAllocator::new(3, 10);
        for _ in 0..40 {
            let id = alloc.allocate("511902", birth, Sex::Male).unwrap();
            assert_eq!(id.birth_date(), birth);
            assert_eq!(id.sex(), Sex::Male);
        }
    }
}
