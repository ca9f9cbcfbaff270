//! The engine's columns as bytes, and back: what `jingzhun evaluate` stores beside its results so that a
//! later process restores the registry of an evaluated year without reading the store again
//! (`jingzhun-loader`'s `snapshot` module keeps them in the database and checks them against the data).
//!
//! The bytes hold the facts the rules read (the columns, the area index, the year and date), not results:
//! a restored engine is evaluated again under whatever pack is asked for (a fraction of a second for a
//! whole city), so a snapshot never goes stale because of a pack change, and a restored engine answers
//! exactly what the engine it was taken from answers. Numbers are little-endian, each column written whole.
//!
//! [`FORMAT`] names the layout and what the columns mean; it changes whenever either changes (a new
//! column, or facts built differently), so that a snapshot from another version of the program is read
//! again from the store instead of being trusted. Every field is destructured exhaustively below, so a new
//! column does not compile until it is written here too.

use std::sync::Arc;

use chrono::NaiveDate;
use jingzhun_core::{
    AreaCode, AreaTree, Education, Health, HouseholdId, IncomeComponent, LabourAbility,
    SchoolingStatus, Yuan,
};
use jingzhun_policy::{DepartmentFacts, MemberFacts};

use crate::columns::{day, from_day, Columns};
use crate::{AreaIndex, Engine, EngineError, Evaluation, Rollup};
use jingzhun_policy::PolicyPack;

/// The snapshot layout and the meaning of its columns; see the module documentation.
pub const FORMAT: u32 = 2;

const MAGIC: &[u8; 8] = b"JZENGINE";

/// Why bytes could not be read back as an engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("评估快照已损坏：{0}")]
    Corrupt(&'static str),
    #[error("评估快照的格式 {found} 与本程序的格式 {FORMAT} 不同")]
    Format { found: u32 },
}

fn corrupt(what: &'static str) -> SnapshotError {
    SnapshotError::Corrupt(what)
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8s(&mut self, v: &[u8]) {
        self.len(v.len());
        self.0.extend_from_slice(v);
    }
    fn len(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn column<T, const N: usize>(&mut self, v: &[T], bytes: impl Fn(&T) -> [u8; N]) {
        self.len(v.len());
        self.0.reserve(v.len() * N);
        for x in v {
            self.0.extend_from_slice(&bytes(x));
        }
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        if self.rest.len() < n {
            return Err(corrupt("数据不完整"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn len(&mut self) -> Result<usize, SnapshotError> {
        usize::try_from(u64::from_le_bytes(self.array()?)).map_err(|_| corrupt("长度无效"))
    }
    fn u8s(&mut self) -> Result<&'a [u8], SnapshotError> {
        let n = self.len()?;
        self.take(n)
    }
    fn u16(&mut self) -> Result<u16, SnapshotError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32, SnapshotError> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64, SnapshotError> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    /// A column of `expected` values (when given) of `N` bytes each.
    fn column<T, const N: usize>(
        &mut self,
        expected: Option<usize>,
        value: impl Fn([u8; N]) -> Result<T, SnapshotError>,
    ) -> Result<Vec<T>, SnapshotError> {
        let n = self.len()?;
        if expected.is_some_and(|e| e != n) {
            return Err(corrupt("列的长度不一致"));
        }
        let bytes = self.take(n.checked_mul(N).ok_or_else(|| corrupt("长度无效"))?)?;
        bytes
            .chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                value(a)
            })
            .collect()
    }
}

fn opt_index(v: Option<u8>) -> u8 {
    v.map_or(0, |i| i + 1)
}

fn member_bytes(m: &MemberFacts) -> [u8; 7] {
    let MemberFacts {
        age,
        school_age,
        schooling,
        health,
        labour,
        medical_insurance,
        education,
    } = *m;
    [
        age,
        school_age,
        opt_index(schooling.map(SchoolingStatus::index)),
        health.index(),
        opt_index(labour.map(LabourAbility::index)),
        u8::from(medical_insurance),
        opt_index(education.map(Education::index)),
    ]
}

fn member_of(b: [u8; 7]) -> Result<MemberFacts, SnapshotError> {
    let opt = |i: u8| i.checked_sub(1);
    Ok(MemberFacts {
        age: b[0],
        school_age: b[1],
        schooling: match opt(b[2]) {
            None => None,
            Some(i) => Some(SchoolingStatus::from_index(i).ok_or_else(|| corrupt("就学状况"))?),
        },
        health: Health::from_index(b[3]).ok_or_else(|| corrupt("健康状况"))?,
        labour: match opt(b[4]) {
            None => None,
            Some(i) => Some(LabourAbility::from_index(i).ok_or_else(|| corrupt("劳动技能"))?),
        },
        medical_insurance: b[5] != 0,
        education: match opt(b[6]) {
            None => None,
            Some(i) => Some(Education::from_index(i).ok_or_else(|| corrupt("文化程度"))?),
        },
    })
}

fn write_department(w: &mut Writer, d: &DepartmentFacts) {
    let DepartmentFacts {
        medical_inpatient_oop,
        outpatient_monthly_oop,
        education_oop,
        disaster,
        accident,
        job_loss,
        measures,
    } = *d;
    w.i64(medical_inpatient_oop.fen());
    w.i64(outpatient_monthly_oop.fen());
    w.i64(education_oop.fen());
    w.0.extend_from_slice(&[u8::from(disaster), u8::from(accident), u8::from(job_loss)]);
    w.u16(measures);
}

fn read_department(r: &mut Reader<'_>) -> Result<DepartmentFacts, SnapshotError> {
    let medical_inpatient_oop = Yuan::from_fen(r.i64()?);
    let outpatient_monthly_oop = Yuan::from_fen(r.i64()?);
    let education_oop = Yuan::from_fen(r.i64()?);
    let [disaster, accident, job_loss] = r.array::<3>()?;
    Ok(DepartmentFacts {
        medical_inpatient_oop,
        outpatient_monthly_oop,
        education_oop,
        disaster: disaster != 0,
        accident: accident != 0,
        job_loss: job_loss != 0,
        measures: r.u16()?,
    })
}

impl Engine {
    /// The engine's year, date, areas and columns as bytes ([`Engine::from_snapshot`] reads them back).
    pub fn snapshot(&self) -> Vec<u8> {
        let Columns {
            ids,
            area,
            member_start,
            member_len,
            member_cap,
            income,
            flags,
            housing,
            water,
            status,
            registry_since,
            monitored_since,
            registry_facts,
            members,
            department,
            slot_of: _,
        } = &self.cols;
        let mut w = Writer(Vec::with_capacity(
            ids.len() * 80 + members.len() * 6 + self.areas.len() * 16 + 64,
        ));
        w.0.extend_from_slice(MAGIC);
        w.u32(FORMAT);
        w.u16(self.year);
        w.i32(day(self.as_of));
        w.len(self.areas.len());
        for code in self.areas.codes() {
            w.u8s(code.as_str().as_bytes());
        }
        w.column(ids, |id| id.0.to_le_bytes());
        w.column(area, |a| a.to_le_bytes());
        w.column(member_start, |a| a.to_le_bytes());
        w.u8s(member_len);
        w.u8s(member_cap);
        w.column(income, |i: &[i32; IncomeComponent::COUNT]| {
            let mut b = [0u8; IncomeComponent::COUNT * 4];
            for (k, x) in i.iter().enumerate() {
                b[k * 4..k * 4 + 4].copy_from_slice(&x.to_le_bytes());
            }
            b
        });
        w.u8s(flags);
        w.u8s(housing);
        w.column(water, |x| {
            let mut b = [0u8; 6];
            for (k, v) in x.iter().enumerate() {
                b[k * 2..k * 2 + 2].copy_from_slice(&v.to_le_bytes());
            }
            b
        });
        w.u8s(status);
        w.column(registry_since, |x| x.to_le_bytes());
        w.column(monitored_since, |x| x.to_le_bytes());
        w.column(registry_facts, |x| *x);
        w.column(members, member_bytes);
        let mut departments: Vec<(&u32, &DepartmentFacts)> = department.iter().collect();
        departments.sort_by_key(|(slot, _)| **slot);
        w.len(departments.len());
        for (slot, d) in departments {
            w.u32(*slot);
            write_department(&mut w, d);
        }
        w.0
    }

    /// The engine [`Engine::snapshot`] wrote. `tree` (the store's area tree) resolves villages of households
    /// updated later, as [`Engine::new`]'s does.
    pub fn from_snapshot(bytes: &[u8], tree: Option<&AreaTree>) -> Result<Engine, SnapshotError> {
        let mut r = Reader { rest: bytes };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(corrupt("不是引擎快照"));
        }
        let found = r.u32()?;
        if found != FORMAT {
            return Err(SnapshotError::Format { found });
        }
        let year = r.u16()?;
        let as_of = from_day(r.i32()?).ok_or_else(|| corrupt("评估日期"))?;
        let mut areas = AreaIndex::default();
        for i in 0..r.len()? {
            let text = std::str::from_utf8(r.u8s()?).map_err(|_| corrupt("区划代码不是 UTF-8"))?;
            let code = AreaCode::parse(text).map_err(|_| corrupt("区划代码"))?;
            // Codes were interned parents first, so interning them again in order gives the same indices.
            if areas.intern(code) as usize != i {
                return Err(corrupt("区划顺序"));
            }
        }
        let ids = r.column(None, |b| Ok(HouseholdId(i64::from_le_bytes(b))))?;
        let n = Some(ids.len());
        let area = r.column(n, |b| Ok(u32::from_le_bytes(b)))?;
        if area.iter().any(|a| *a as usize >= areas.len()) {
            return Err(corrupt("区划序号越界"));
        }
        let member_start = r.column(n, |b| Ok(u32::from_le_bytes(b)))?;
        let member_len = r.column(n, |b: [u8; 1]| Ok(b[0]))?;
        let member_cap = r.column(n, |b: [u8; 1]| Ok(b[0]))?;
        let income = r.column(n, |b: [u8; IncomeComponent::COUNT * 4]| {
            let mut i = [0i32; IncomeComponent::COUNT];
            for (k, x) in i.iter_mut().enumerate() {
                let mut a = [0u8; 4];
                a.copy_from_slice(&b[k * 4..k * 4 + 4]);
                *x = i32::from_le_bytes(a);
            }
            Ok(i)
        })?;
        let flags = r.column(n, |b: [u8; 1]| Ok(b[0]))?;
        let housing = r.column(n, |b: [u8; 1]| Ok(b[0]))?;
        let water = r.column(n, |b: [u8; 6]| {
            Ok([
                u16::from_le_bytes([b[0], b[1]]),
                u16::from_le_bytes([b[2], b[3]]),
                u16::from_le_bytes([b[4], b[5]]),
            ])
        })?;
        let status = r.column(n, |b: [u8; 1]| Ok(b[0]))?;
        let registry_since = r.column(n, |b| Ok(i32::from_le_bytes(b)))?;
        let monitored_since = r.column(n, |b| Ok(i32::from_le_bytes(b)))?;
        let registry_facts = r.column(n, |b: [u8; 3]| Ok(b))?;
        let members = r.column(None, member_of)?;
        for (start, len) in member_start.iter().zip(&member_len) {
            if *start as usize + usize::from(*len) > members.len() {
                return Err(corrupt("成员范围越界"));
            }
        }
        let mut department = crate::columns::SlotMap::default();
        for _ in 0..r.len()? {
            let slot = r.u32()?;
            if slot as usize >= ids.len() {
                return Err(corrupt("部门数据的户序号越界"));
            }
            department.insert(slot, read_department(&mut r)?);
        }
        if !r.rest.is_empty() {
            return Err(corrupt("末尾有多余数据"));
        }
        let mut slot_of =
            crate::columns::IdMap::with_capacity_and_hasher(ids.len(), Default::default());
        for (slot, id) in ids.iter().enumerate() {
            if slot_of.insert(*id, slot as u32).is_some() {
                return Err(corrupt("户 ID 重复"));
            }
        }
        let cols = Columns {
            ids,
            area,
            member_start,
            member_len,
            member_cap,
            income,
            flags,
            housing,
            water,
            status,
            registry_since,
            monitored_since,
            registry_facts,
            members,
            department,
            slot_of,
        };
        Ok(Engine {
            year,
            as_of,
            tree: tree.cloned(),
            areas: Arc::new(areas),
            cols,
        })
    }
}

impl Engine {
    /// An evaluation of this engine's areas under `pack` whose per-area counts were computed earlier (and
    /// stored with a snapshot) instead of now, in [`AreaIndex`] order. It holds no per-household results:
    /// ask it only area-level questions (rollups, the village and county exit tests, the parameters in
    /// force), with an engine that holds no households (as [`Engine::from_compact`] with empty columns
    /// makes one), so that nothing looks for per-household results it does not have.
    pub fn evaluation_with_rollups(
        &self,
        pack: &PolicyPack,
        rollups: Vec<Rollup>,
    ) -> Result<Evaluation, EngineError> {
        if rollups.len() != self.areas.len() || !self.cols.is_empty() {
            return Err(EngineError::Snapshot(corrupt("计数与区划不对应")));
        }
        let mut params = Vec::new();
        let mut area_params = Vec::with_capacity(self.areas.len());
        self.resolve_params(pack, &mut params, &mut area_params, 0)?;
        Ok(Evaluation {
            year: self.year,
            as_of: self.as_of,
            pack_version: pack.version(),
            pack_hash: pack.hash().to_owned(),
            pack: pack.clone(),
            areas: Arc::clone(&self.areas),
            params,
            area_params,
            results: Vec::new(),
            rollups,
        })
    }
}

/// The date a snapshot's engine was built for, without decoding the rest (`None` if the bytes are not one).
pub fn snapshot_date(bytes: &[u8]) -> Option<(u16, NaiveDate)> {
    let mut r = Reader { rest: bytes };
    (r.take(MAGIC.len()).ok()? == MAGIC && r.u32().ok()? == FORMAT).then_some(())?;
    Some((r.u16().ok()?, from_day(r.i32().ok()?)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jingzhun_policy::PolicyPack;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_restored_engine_gives_the_same_evaluation() {
        let engine = crate::synth::engine(5_000, 7, 2021, date(2021, 12, 31));
        let bytes = engine.snapshot();
        assert_eq!(snapshot_date(&bytes), Some((2021, date(2021, 12, 31))));
        let back = Engine::from_snapshot(&bytes, None).unwrap();
        assert_eq!(back.year(), 2021);
        assert_eq!(back.households(), engine.households());
        assert_eq!(back.areas().codes(), engine.areas().codes());
        for slot in 0..engine.cols.len() {
            assert_eq!(
                back.cols.compact(slot, 2021, back.as_of()),
                engine.cols.compact(slot, 2021, engine.as_of())
            );
        }
        assert!(!engine.cols.department.is_empty());
        let pack = PolicyPack::builtin();
        let (a, b) = (
            engine.evaluate(&pack).unwrap(),
            back.evaluate(&pack).unwrap(),
        );
        assert_eq!(a.total(), b.total());
        assert!(a.rollups().eq(b.rollups()));
        assert!(engine.outcomes(&a).eq(back.outcomes(&b)));
        // And the snapshot of the restored engine is the same bytes.
        assert_eq!(back.snapshot(), bytes);
    }

    #[test]
    fn stored_counts_answer_area_questions_as_the_evaluation_did() {
        let engine = crate::synth::engine(3_000, 3, 2019, date(2019, 12, 31));
        let pack = PolicyPack::builtin();
        let eval = engine.evaluate(&pack).unwrap();
        let rollups: Vec<Rollup> = eval.rollups().map(|(_, r)| *r).collect();
        let areas_only = Engine::from_compact(
            engine.areas().clone(),
            Columns::default(),
            2019,
            date(2019, 12, 31),
        );
        let again = areas_only
            .evaluation_with_rollups(&pack, rollups.clone())
            .unwrap();
        assert_eq!(again.total(), eval.total());
        for code in engine.areas().codes() {
            assert_eq!(again.rollup(code), eval.rollup(code));
            assert_eq!(
                areas_only.village_exit(&again, code),
                engine.village_exit(&eval, code)
            );
            assert_eq!(
                areas_only.county_exit(&again, code, None),
                engine.county_exit(&eval, code, None)
            );
        }
        assert_eq!(areas_only.outcomes(&again).count(), 0);
        assert!(areas_only
            .evaluation_with_rollups(&pack, rollups[1..].to_vec())
            .is_err());
        assert!(engine.evaluation_with_rollups(&pack, rollups).is_err());
    }

    #[test]
    fn damaged_or_foreign_bytes_are_refused() {
        let engine = crate::synth::engine(200, 1, 2020, date(2020, 12, 31));
        let bytes = engine.snapshot();
        for cut in [0, 7, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                Engine::from_snapshot(&bytes[..cut], None).is_err(),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Engine::from_snapshot(&longer, None).is_err());
        let mut other = bytes.clone();
        other[8] = other[8].wrapping_add(1);
        assert_eq!(
            Engine::from_snapshot(&other, None).unwrap_err(),
            SnapshotError::Format { found: FORMAT + 1 }
        );
        assert!(Engine::from_snapshot(b"not an engine", None).is_err());
    }
}
