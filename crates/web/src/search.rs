//! Household search: an in-memory index of every current household, answering a page of matches within an
//! area with a capped count, in microseconds at the scale of a whole city.
//!
//! **What matches.** A query (normalised, no control characters) matches a household when it is contained in
//! a member's name or the natural village; when it has at least [`NUMBER_MIN`] characters (letters, digits,
//! `-`) and is contained in the household number; when it is contained in the name of the household's
//! village; or, only for roles that may see personal data ([`SearchQuery::id_tails`]), when it is a whole
//! resident ID of a member or its last [`ID_TAIL_MIN`] to 17 characters. For every other role a resident ID
//! finds nothing: otherwise guessing 18-digit IDs against the masked ID and the shown age and sex would
//! recover a masked ID in seconds. [`SearchIndex::matches`]
//! states this on one record; the index must agree with it (a property test checks that).
//!
//! **How.** Entries are sorted by village code (then household number), so an area is one contiguous range
//! of positions. Names and natural villages are indexed by character unigrams and bigrams, household numbers
//! by byte trigrams, each key with a sorted list of positions; a query intersects the lists of its grams
//! (restricted to the area's range by binary search) and verifies candidates only when the grams alone do
//! not prove the match. Villages whose name matches contribute their whole range. Resident IDs are kept as
//! numbers in reversed-digit order, so every ID ending in a given tail is one block of a sorted array. The
//! matching streams are merged lazily in position order: a page costs its rows plus at most [`COUNT_CAP`]
//! steps for the count.
//!
//! **Changes.** The built part ([`Base`]) is immutable; a household changed after the build is kept whole in
//! an overlay that hides its old entry and is matched directly ([`SearchIndex::refresh`]). A rebuild folds
//! the overlay back in ([`SearchIndex::replace_base`]).
//!
//! Lists show only masked identity data, so entries keep only the masked head ID and phone for display.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jingzhun_core::{
    AreaCode, AreaLevel, AreaTree, Household, HouseholdId, MonitoringKind, Relationship, RiskType,
    StatusEvent, StatusEventKind,
};
use jingzhun_store::{AuditFilter, Store, StoreError, StoredHousehold};

/// Counting stops here: a search reports "1000+" rather than walking every match of a common surname.
pub const COUNT_CAP: usize = 1000;
/// Shortest part of a resident ID that matches its end (身份证后六位).
pub const ID_TAIL_MIN: usize = 6;
/// Shortest text that matches inside a household number (shorter digit runs are in nearly every number).
pub const NUMBER_MIN: usize = 3;

/// What a search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Normalised text (see [`jingzhun_core::text::normalize`]).
    pub text: String,
    /// Whether resident IDs match at all, whole or by their last 6–17 characters: only for roles that may
    /// see personal data.
    pub id_tails: bool,
}

/// What a household list shows of one household; identity data is already masked.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: HouseholdId,
    pub number: String,
    pub village: AreaCode,
    /// The head (or the first member when no one is marked head); empty for a household without members.
    pub head_name: String,
    /// Masked (`5119************12`).
    pub head_resident_id: String,
    /// Masked (`138****5678`).
    pub phone: Option<String>,
    pub size: u32,
    /// Status events in effective-date order, without their notes (lists show the standing only).
    pub events: Vec<StatusEvent>,
}

/// One page of matches, in village-code then household-number order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// Matches counted, at most `max(COUNT_CAP, offset + limit)`.
    pub total: usize,
    /// Whether there are more matches than `total`.
    pub capped: bool,
}

/// One household as the index takes it in.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: HouseholdId,
    pub village: AreaCode,
    pub number: String,
    pub natural_village: String,
    pub names: Vec<String>,
    /// Index of the head in `names`.
    pub head: usize,
    pub resident_ids: Vec<String>,
    /// Masked.
    pub head_resident_id: String,
    /// Masked.
    pub phone: Option<String>,
    events: Vec<Ev>,
}

impl Record {
    pub fn new(id: HouseholdId, h: &Household, events: &[StatusEvent]) -> Self {
        let head = h
            .members
            .iter()
            .position(|m| m.relationship == Relationship::Head)
            .unwrap_or(0);
        Self {
            id,
            village: h.village,
            number: h.number.as_str().to_owned(),
            // Control characters separate fields inside the index; no query contains one.
            natural_village: h
                .natural_village
                .iter()
                .flat_map(|n| n.chars())
                .filter(|c| !c.is_control())
                .collect(),
            names: h
                .members
                .iter()
                .map(|m| m.name.as_str().to_owned())
                .collect(),
            head,
            resident_ids: h
                .members
                .iter()
                .map(|m| m.resident_id.as_str().to_owned())
                .collect(),
            head_resident_id: h
                .members
                .get(head)
                .map(|m| m.resident_id.masked())
                .unwrap_or_default(),
            phone: h.phone.as_ref().map(|p| p.masked()),
            events: events.iter().map(Ev::of).collect(),
        }
    }

    fn key(&self) -> (AreaCode, &str) {
        (self.village, self.number.as_str())
    }

    fn hit(&self) -> SearchHit {
        SearchHit {
            id: self.id,
            number: self.number.clone(),
            village: self.village,
            head_name: self.names.get(self.head).cloned().unwrap_or_default(),
            head_resident_id: self.head_resident_id.clone(),
            phone: self.phone.clone(),
            size: self.names.len() as u32,
            events: self.events.iter().map(Ev::event).collect(),
        }
    }
}

/// A status event as lists need it (8 bytes; the note is not kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ev {
    effective: NaiveDate,
    kind: u8,
    monitoring: u8,
    risks: u16,
}

const _: () = assert!(RiskType::ALL.len() <= 16, "risk types are kept as 16 bits");

impl Ev {
    const NO_MONITORING: u8 = u8::MAX;

    fn of(e: &StatusEvent) -> Self {
        Self {
            effective: e.effective,
            kind: e.kind.index(),
            monitoring: e.monitoring_kind.map_or(Self::NO_MONITORING, |k| k.index()),
            risks: e.risk_types.iter().fold(0, |acc, r| acc | 1 << r.index()),
        }
    }

    fn event(&self) -> StatusEvent {
        let mut e = StatusEvent::new(
            StatusEventKind::from_index(self.kind).unwrap_or(StatusEventKind::Registered),
            self.effective,
        );
        e.monitoring_kind = MonitoringKind::from_index(self.monitoring);
        e.risk_types = RiskType::ALL
            .iter()
            .copied()
            .filter(|r| self.risks & (1 << r.index()) != 0)
            .collect();
        e
    }
}

/// A query taken apart once.
#[derive(Debug)]
struct Parsed {
    text: String,
    chars: Vec<char>,
    /// Whether the text can match inside a household number.
    number: bool,
    /// The reversed-ID key range of IDs ending in the text, when it can match a resident ID.
    id_tail: Option<(String, Range<u64>)>,
}

impl Parsed {
    fn new(q: &SearchQuery) -> Option<Self> {
        let text = q.text.clone();
        if text.is_empty() || text.chars().any(char::is_control) {
            return None;
        }
        let chars: Vec<char> = text.chars().collect();
        let number = chars.len() >= NUMBER_MIN
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let n = chars.len();
        let id_tail = if q.id_tails && (ID_TAIL_MIN..=18).contains(&n) {
            let upper = text.to_ascii_uppercase();
            tail_range(upper.as_bytes()).map(|r| (upper, r))
        } else {
            None
        };
        Some(Self {
            text,
            chars,
            number,
            id_tail,
        })
    }
}

/// Value of a resident-ID character (`X` = 10 only in the check position).
fn id_digit(b: u8, check: bool) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'X' if check => Some(10),
        _ => None,
    }
}

/// The ID read backwards as a number: the check character (0–10) weighs 10^17, the 17th digit 10^16, …, the
/// first digit 1. IDs ending in the same k characters then form one range of keys.
fn id_key(id: &[u8]) -> Option<u64> {
    if id.len() != 18 {
        return None;
    }
    tail_range(id).map(|r| r.start)
}

/// Keys of the IDs ending in `tail` (1–18 characters).
fn tail_range(tail: &[u8]) -> Option<Range<u64>> {
    let k = tail.len();
    if k == 0 || k > 18 {
        return None;
    }
    let mut lo = 0u64;
    for (i, b) in tail.iter().rev().enumerate() {
        lo += id_digit(*b, i == 0)? * 10u64.pow(17 - i as u32);
    }
    Some(lo..lo + 10u64.pow(18 - k as u32))
}

// Gram keys: two tag bits, then the characters (21 bits each) or bytes.
fn unigram(c: char) -> u64 {
    1 << 62 | u64::from(c)
}
fn bigram(a: char, b: char) -> u64 {
    2 << 62 | u64::from(a) << 21 | u64::from(b)
}
/// A household number's trigram occurring at least `times` times in it: a query like `0000000` (one trigram
/// five times over, in nearly every number once) then looks up the few numbers that have it five times.
fn trigram(t: &[u8], times: usize) -> u64 {
    let times = times.clamp(1, 255) as u64;
    3 << 62 | (times - 1) << 32 | u64::from(t[0]) << 16 | u64::from(t[1]) << 8 | u64::from(t[2])
}

/// The trigram keys of a household number or a query: each trigram with its count of occurrences up to
/// `all_counts` (a number: every count 1..=n, so a query needing n finds it) or only the count itself (a
/// query).
fn trigram_keys(text: &[u8], all_counts: bool, out: &mut Vec<u64>) {
    let mut seen: Vec<(&[u8], usize)> = Vec::new();
    for t in text.windows(3) {
        match seen.iter_mut().find(|(s, _)| *s == t) {
            Some((_, n)) => *n += 1,
            None => seen.push((t, 1)),
        }
    }
    for (t, n) in seen {
        if all_counts {
            out.extend((1..=n).map(|k| trigram(t, k)));
        } else {
            out.push(trigram(t, n));
        }
    }
}

/// Separates the searchable fields of an entry's text (number, natural village, names).
const FIELD: char = '\u{1f}';
/// Separates the searchable part from the masked head ID and the masked phone.
const PART: char = '\u{1e}';

/// An entry's text taken apart.
struct Fields<'a> {
    number: &'a str,
    natural: &'a str,
    names: &'a str,
    masked_id: &'a str,
    phone: &'a str,
}

impl<'a> Fields<'a> {
    fn of(text: &'a str) -> Self {
        let mut parts = text.splitn(3, PART);
        let search = parts.next().unwrap_or_default();
        let masked_id = parts.next().unwrap_or_default();
        let phone = parts.next().unwrap_or_default();
        let mut f = search.splitn(3, FIELD);
        Self {
            number: f.next().unwrap_or_default(),
            natural: f.next().unwrap_or_default(),
            names: f.next().unwrap_or_default(),
            masked_id,
            phone,
        }
    }

    fn names(&self) -> impl Iterator<Item = &'a str> {
        let names = self.names;
        names.split(FIELD).filter(move |_| !names.is_empty())
    }
}

/// One built entry (the text and events live in the shared arenas; each ends where the next begins).
#[derive(Debug, Clone)]
struct Entry {
    id: HouseholdId,
    village: AreaCode,
    text: u32,
    events: u32,
    head: u16,
}

/// A village's name and its range of entries.
#[derive(Debug, Clone)]
struct Span {
    code: AreaCode,
    name: Box<str>,
    start: u32,
    end: u32,
}

/// Collects records in any order; [`Builder::finish`] sorts them and builds the lists.
#[derive(Default)]
pub struct Builder {
    entries: Vec<Entry>,
    arena: String,
    events: Vec<Ev>,
    tails: Vec<(u64, u32)>,
}

impl Builder {
    pub fn push(&mut self, r: &Record) {
        let i = self.entries.len() as u32;
        self.entries.push(Entry {
            id: r.id,
            village: r.village,
            text: self.arena.len() as u32,
            events: self.events.len() as u32,
            head: u16::try_from(r.head).unwrap_or(0),
        });
        push_text(&mut self.arena, r);
        self.events.extend_from_slice(&r.events);
        for id in &r.resident_ids {
            if let Some(k) = id_key(id.as_bytes()) {
                self.tails.push((k, i));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sorts the entries and builds the lists. `villages` names every village (code, name) that search by
    /// village name should know, whether or not it has households.
    pub fn finish(self, villages: impl IntoIterator<Item = (AreaCode, String)>) -> Base {
        let Builder {
            entries,
            arena,
            events,
            tails,
        } = self;
        let n = entries.len();
        let text_of = |i: usize| -> &str {
            let start = entries[i].text as usize;
            let end = entries.get(i + 1).map_or(arena.len(), |e| e.text as usize);
            &arena[start..end]
        };
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by(|a, b| {
            let (a, b) = (*a as usize, *b as usize);
            (entries[a].village, Fields::of(text_of(a)).number)
                .cmp(&(entries[b].village, Fields::of(text_of(b)).number))
        });
        let mut base = Base {
            entries: Vec::with_capacity(n),
            arena: String::with_capacity(arena.len()),
            events: Vec::with_capacity(events.len()),
            ..Base::default()
        };
        let mut position = vec![0u32; n];
        for (p, &i) in order.iter().enumerate() {
            let i = i as usize;
            position[i] = p as u32;
            let e = &entries[i];
            let ev_end = entries
                .get(i + 1)
                .map_or(events.len(), |x| x.events as usize);
            base.entries.push(Entry {
                text: base.arena.len() as u32,
                events: base.events.len() as u32,
                ..e.clone()
            });
            base.arena.push_str(text_of(i));
            base.events
                .extend_from_slice(&events[e.events as usize..ev_end]);
        }
        drop(order);
        let mut tails: Vec<(u64, u32)> = tails
            .into_iter()
            .map(|(k, i)| (k, position[i as usize]))
            .collect();
        drop(position);
        tails.sort_unstable();
        base.tail_keys = tails.iter().map(|t| t.0).collect();
        base.tail_owner = tails.iter().map(|t| t.1).collect();
        drop(tails);
        base.build_grams();
        base.by_id = (0..n as u32).collect();
        base.by_id
            .sort_unstable_by_key(|p| base.entries[*p as usize].id.0);
        let mut spans: Vec<Span> = villages
            .into_iter()
            .map(|(code, name)| Span {
                code,
                name: name.into_boxed_str(),
                start: 0,
                end: 0,
            })
            .collect();
        spans.sort_by_key(|s| s.code);
        spans.dedup_by_key(|s| s.code);
        for s in &mut spans {
            let r = base.range(&s.code);
            (s.start, s.end) = (r.start as u32, r.end as u32);
        }
        base.villages = spans;
        base
    }
}

fn push_text(arena: &mut String, r: &Record) {
    arena.push_str(&r.number);
    arena.push(FIELD);
    arena.push_str(&r.natural_village);
    arena.push(FIELD);
    for (k, name) in r.names.iter().enumerate() {
        if k > 0 {
            arena.push(FIELD);
        }
        arena.push_str(name);
    }
    arena.push(PART);
    arena.push_str(&r.head_resident_id);
    arena.push(PART);
    arena.push_str(r.phone.as_deref().unwrap_or_default());
}

/// The built, immutable part of the index.
#[derive(Default)]
pub struct Base {
    /// Sorted by (village, household number).
    entries: Vec<Entry>,
    arena: String,
    events: Vec<Ev>,
    /// Gram key → range of `postings` (positions, ascending).
    grams: HashMap<u64, (u32, u32)>,
    postings: Vec<u32>,
    /// Resident-ID keys ([`id_key`]), ascending, and the position of each ID's household.
    tail_keys: Vec<u64>,
    tail_owner: Vec<u32>,
    /// Positions ordered by household ID.
    by_id: Vec<u32>,
    /// Every village known at build time, by code, with its range.
    villages: Vec<Span>,
}

impl Base {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Fills `grams` and `postings` in two passes (count, then place), so that the lists go straight into
    /// one array without a growing vector per key (which would leave the heap fragmented after the build).
    fn build_grams(&mut self) {
        let mut counts: HashMap<u64, (u32, u32)> = HashMap::new();
        self.each_gram(|key, _| counts.entry(key).or_default().1 += 1);
        let mut next = 0u32;
        for (start, len) in counts.values_mut() {
            *start = next;
            next += *len;
        }
        let mut postings = vec![0u32; next as usize];
        let mut fill: HashMap<u64, u32> = HashMap::with_capacity(counts.len());
        self.each_gram(|key, p| {
            let at = fill.entry(key).or_default();
            postings[(counts[&key].0 + *at) as usize] = p;
            *at += 1;
        });
        self.grams = counts;
        self.postings = postings;
    }

    /// Calls `f` once for every (gram, position) pair, positions ascending.
    fn each_gram(&self, mut f: impl FnMut(u64, u32)) {
        let mut keys: Vec<u64> = Vec::new();
        let mut chars: Vec<char> = Vec::new();
        for p in 0..self.entries.len() {
            let fields = Fields::of(self.text(p));
            keys.clear();
            for field in std::iter::once(fields.natural).chain(fields.names()) {
                chars.clear();
                chars.extend(field.chars());
                keys.extend(chars.iter().map(|c| unigram(*c)));
                keys.extend(chars.windows(2).map(|w| bigram(w[0], w[1])));
            }
            trigram_keys(fields.number.as_bytes(), true, &mut keys);
            keys.sort_unstable();
            keys.dedup();
            for k in &keys {
                f(*k, p as u32);
            }
        }
    }

    fn text(&self, p: usize) -> &str {
        let start = self.entries[p].text as usize;
        let end = self
            .entries
            .get(p + 1)
            .map_or(self.arena.len(), |e| e.text as usize);
        &self.arena[start..end]
    }

    fn number(&self, p: usize) -> &str {
        Fields::of(self.text(p)).number
    }

    fn list(&self, key: u64, r: &Range<usize>) -> &[u32] {
        let Some(&(start, len)) = self.grams.get(&key) else {
            return &[];
        };
        let l = &self.postings[start as usize..(start + len) as usize];
        let a = l.partition_point(|p| (*p as usize) < r.start);
        let b = l.partition_point(|p| (*p as usize) < r.end);
        &l[a..b]
    }

    /// Positions of the entries within `within`.
    fn range(&self, within: &AreaCode) -> Range<usize> {
        let start = self.entries.partition_point(|e| e.village < *within);
        let end = start + self.entries[start..].partition_point(|e| within.contains(&e.village));
        start..end
    }

    fn position_of(&self, id: HouseholdId) -> Option<u32> {
        self.by_id
            .binary_search_by_key(&id.0, |p| self.entries[*p as usize].id.0)
            .ok()
            .map(|i| self.by_id[i])
    }

    fn village_name(&self, code: &AreaCode) -> &str {
        self.villages
            .binary_search_by_key(code, |s| s.code)
            .map_or("", |i| &self.villages[i].name)
    }

    fn hit(&self, p: usize) -> SearchHit {
        let e = &self.entries[p];
        let f = Fields::of(self.text(p));
        let ev_end = self
            .entries
            .get(p + 1)
            .map_or(self.events.len(), |x| x.events as usize);
        let mut size = 0;
        let mut head_name = "";
        for (k, name) in f.names().enumerate() {
            if k == usize::from(e.head) || size == 0 {
                head_name = name;
            }
            size += 1;
        }
        SearchHit {
            id: e.id,
            number: f.number.to_owned(),
            village: e.village,
            head_name: head_name.to_owned(),
            head_resident_id: f.masked_id.to_owned(),
            phone: (!f.phone.is_empty()).then(|| f.phone.to_owned()),
            size,
            events: self.events[e.events as usize..ev_end]
                .iter()
                .map(Ev::event)
                .collect(),
        }
    }

    /// The matching positions within `r`, ascending, lazily.
    fn matching<'a>(&'a self, q: &'a Parsed, within: &AreaCode, r: Range<usize>) -> Union<'a> {
        let mut streams: Vec<Box<dyn Iterator<Item = u32> + 'a>> = Vec::new();
        // Names and natural villages.
        let lists: Vec<&[u32]> = if q.chars.len() == 1 {
            vec![self.list(unigram(q.chars[0]), &r)]
        } else {
            q.chars
                .windows(2)
                .map(|w| self.list(bigram(w[0], w[1]), &r))
                .collect()
        };
        // One or two characters: the gram lists are the answer; longer texts are checked.
        let check = q.chars.len() > 2;
        streams.push(Box::new(Intersect::new(lists).filter(move |p| {
            !check || {
                let f = Fields::of(self.text(*p as usize));
                f.natural.contains(&q.text) || f.names().any(|n| n.contains(&q.text))
            }
        })));
        // Household numbers.
        if q.number {
            let mut keys = Vec::new();
            trigram_keys(q.text.as_bytes(), false, &mut keys);
            let lists = keys.iter().map(|k| self.list(*k, &r)).collect();
            let check = q.text.len() > 3;
            streams.push(Box::new(Intersect::new(lists).filter(move |p| {
                !check || self.number(*p as usize).contains(&q.text)
            })));
        }
        // Villages by name: whole ranges (villages sort by code, so the area's are one run).
        let first = self.villages.partition_point(|s| s.code < *within);
        let spans: Vec<Range<u32>> = self.villages[first..]
            .iter()
            .take_while(|s| within.contains(&s.code))
            .filter(|s| s.start < s.end && s.name.contains(&q.text))
            .map(|s| s.start..s.end)
            .collect();
        if !spans.is_empty() {
            streams.push(Box::new(spans.into_iter().flatten()));
        }
        // Resident IDs.
        if let Some((_, keys)) = &q.id_tail {
            let a = self.tail_keys.partition_point(|k| *k < keys.start);
            let b = self.tail_keys.partition_point(|k| *k < keys.end);
            let mut owners: Vec<u32> = self.tail_owner[a..b]
                .iter()
                .copied()
                .filter(|p| r.contains(&(*p as usize)))
                .collect();
            owners.sort_unstable();
            owners.dedup();
            streams.push(Box::new(owners.into_iter()));
        }
        Union::new(streams)
    }
}

/// The positions in every list (each ascending), lazily: the shortest list leads, the others gallop.
struct Intersect<'a> {
    lists: Vec<&'a [u32]>,
    at: Vec<usize>,
}

impl<'a> Intersect<'a> {
    fn new(mut lists: Vec<&'a [u32]>) -> Self {
        lists.sort_by_key(|l| l.len());
        if lists.is_empty() {
            lists.push(&[]);
        }
        let at = vec![0; lists.len()];
        Self { lists, at }
    }
}

/// First index at or after `from` whose value is at least `x` (exponential then binary search).
fn gallop(l: &[u32], from: usize, x: u32) -> usize {
    let mut step = 1;
    let mut hi = from;
    while hi < l.len() && l[hi] < x {
        hi = from + step;
        step *= 2;
    }
    let lo = from + step / 4;
    let hi = hi.min(l.len());
    let lo = lo.min(hi);
    lo + l[lo..hi].partition_point(|v| *v < x)
}

impl Iterator for Intersect<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        'lead: while self.at[0] < self.lists[0].len() {
            let x = self.lists[0][self.at[0]];
            self.at[0] += 1;
            for k in 1..self.lists.len() {
                let i = gallop(self.lists[k], self.at[k], x);
                self.at[k] = i;
                match self.lists[k].get(i) {
                    None => {
                        self.at[0] = self.lists[0].len();
                        return None;
                    }
                    Some(v) if *v != x => continue 'lead,
                    Some(_) => {}
                }
            }
            return Some(x);
        }
        None
    }
}

/// The union of ascending streams, ascending and without repeats.
struct Union<'a> {
    heads: Vec<std::iter::Peekable<Box<dyn Iterator<Item = u32> + 'a>>>,
}

impl<'a> Union<'a> {
    fn new(streams: Vec<Box<dyn Iterator<Item = u32> + 'a>>) -> Self {
        Self {
            heads: streams.into_iter().map(Iterator::peekable).collect(),
        }
    }
}

impl Iterator for Union<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let min = self
            .heads
            .iter_mut()
            .filter_map(|h| h.peek().copied())
            .min()?;
        for h in &mut self.heads {
            if h.peek() == Some(&min) {
                h.next();
            }
        }
        Some(min)
    }
}

/// A household changed since the build: it replaces its entry (if any) until the next build.
#[derive(Debug, Clone)]
struct Changed {
    record: Record,
    /// When it was changed, on [`SearchIndex::changes`]' counter.
    seq: u64,
}

/// The index: the built part plus the households changed since.
#[derive(Default)]
pub struct SearchIndex {
    base: Base,
    changed: HashMap<HouseholdId, Changed>,
    /// Base positions hidden by a changed household.
    hidden: HashSet<u32>,
    changes: u64,
}

impl SearchIndex {
    pub fn new(base: Base) -> Self {
        Self {
            base,
            ..Self::default()
        }
    }

    /// Households in the index (built ones plus the ones added since).
    pub fn len(&self) -> usize {
        self.base.len() + self.changed.len() - self.hidden.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A counter that each [`SearchIndex::refresh`] advances; pass its value at the start of a rebuild to
    /// [`SearchIndex::replace_base`].
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Takes in a household's current state (changed or new); searches see it at once.
    pub fn refresh(&mut self, record: Record) {
        self.changes += 1;
        if let Some(p) = self.base.position_of(record.id) {
            self.hidden.insert(p);
        }
        self.changed.insert(
            record.id,
            Changed {
                record,
                seq: self.changes,
            },
        );
    }

    /// Swaps in a new build that read the store after change number `started` (see
    /// [`SearchIndex::changes`]): later changes stay in the overlay, earlier ones are in the build.
    pub fn replace_base(&mut self, base: Base, started: u64) {
        self.base = base;
        self.changed.retain(|_, c| c.seq > started);
        self.hidden = self
            .changed
            .keys()
            .filter_map(|id| self.base.position_of(*id))
            .collect();
    }

    /// Whether `record` matches `query`, its village being called `village_name`: the definition of a
    /// match (see the module docs) that the index answers for all records at once.
    pub fn matches(record: &Record, village_name: &str, query: &SearchQuery) -> bool {
        Parsed::new(query).is_some_and(|q| record_matches(record, village_name, &q))
    }

    /// Matches within `within`, from the `offset`-th on, at most `limit`, counted up to
    /// `max(COUNT_CAP, offset + limit)`.
    pub fn search(
        &self,
        within: &AreaCode,
        query: &SearchQuery,
        offset: usize,
        limit: usize,
    ) -> SearchPage {
        let Some(q) = Parsed::new(query) else {
            return SearchPage::default();
        };
        let r = self.base.range(within);
        let mut base = self
            .base
            .matching(&q, within, r)
            .filter(|p| self.hidden.is_empty() || !self.hidden.contains(p))
            .peekable();
        let mut changed: Vec<&Record> = self
            .changed
            .values()
            .map(|c| &c.record)
            .filter(|rec| {
                within.contains(&rec.village)
                    && record_matches(rec, self.base.village_name(&rec.village), &q)
            })
            .collect();
        changed.sort_by(|a, b| a.key().cmp(&b.key()));
        let mut changed = changed.into_iter().peekable();
        let cap = COUNT_CAP.max(offset.saturating_add(limit));
        let mut page = SearchPage::default();
        loop {
            // The next match in (village, number) order, from the build or the overlay.
            let from_base = match (base.peek(), changed.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(p), Some(c)) => {
                    let p = *p as usize;
                    (self.base.entries[p].village, self.base.number(p)) <= c.key()
                }
            };
            if page.total == cap {
                page.capped = true;
                break;
            }
            let wanted = page.total >= offset && page.hits.len() < limit;
            if from_base {
                if let Some(p) = base.next() {
                    if wanted {
                        page.hits.push(self.base.hit(p as usize));
                    }
                }
            } else if let Some(c) = changed.next() {
                if wanted {
                    page.hits.push(c.hit());
                }
            }
            page.total += 1;
        }
        page
    }
}

fn record_matches(r: &Record, village_name: &str, q: &Parsed) -> bool {
    let t = q.text.as_str();
    r.natural_village.contains(t)
        || r.names.iter().any(|n| n.contains(t))
        || (q.number && r.number.contains(t))
        || village_name.contains(t)
        || q.id_tail.as_ref().is_some_and(|(tail, _)| {
            r.resident_ids
                .iter()
                .any(|id| id.len() == 18 && id.ends_with(tail.as_str()))
        })
}

/// How long a build is trusted before the store is asked whether households changed behind this process's
/// back (an import from the command line); if so, the index is rebuilt in the background.
pub const REBUILD_AFTER: Duration = Duration::from_secs(300);

/// Areas with at most this many households are read from the store in one scan; larger ones are read child
/// by child, so that a rebuild never holds the store's connection for long while requests wait for it.
const SCAN_AT_ONCE: u64 = 1000;

/// The index kept current over a store: built once (requests wait for the first build), refreshed entry by
/// entry on changes made through this process, and rebuilt in the background when other writers changed
/// households.
pub struct LiveIndex {
    store: Arc<Store>,
    index: RwLock<SearchIndex>,
    state: Mutex<BuildState>,
    /// Held by the one build in progress.
    building: Mutex<()>,
}

#[derive(Default)]
struct BuildState {
    built: Option<Instant>,
    /// The newest household audit entry when the current build started.
    audit_head: Option<i64>,
    /// Set by [`LiveIndex::invalidate`]: rebuild at the next search.
    stale: bool,
    rebuilding: bool,
}

impl LiveIndex {
    pub fn new(store: Arc<Store>) -> Arc<Self> {
        Arc::new(Self {
            store,
            index: RwLock::new(SearchIndex::default()),
            state: Mutex::new(BuildState::default()),
            building: Mutex::new(()),
        })
    }

    fn state(&self) -> MutexGuard<'_, BuildState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Builds the index now if it never was (every caller waits for the one build).
    pub fn warm(&self, tree: &AreaTree) -> Result<(), StoreError> {
        if self.state().built.is_some() {
            return Ok(());
        }
        let _one = self.building.lock().unwrap_or_else(PoisonError::into_inner);
        if self.state().built.is_some() {
            return Ok(());
        }
        self.rebuild(tree)
    }

    /// Makes sure the index is usable and, when it is old and the store's households changed (or
    /// [`LiveIndex::invalidate`] was called), starts a rebuild in the background.
    pub fn ensure(self: &Arc<Self>, tree: &Arc<AreaTree>) -> Result<(), StoreError> {
        self.warm(tree)?;
        {
            let mut s = self.state();
            let old = s.built.is_none_or(|b| b.elapsed() > REBUILD_AFTER);
            if s.rebuilding || !(old || s.stale) {
                return Ok(());
            }
            s.rebuilding = true;
        }
        let (stale, head) = {
            let s = self.state();
            (s.stale, s.audit_head)
        };
        let changed = match self.audit_head() {
            Ok(now) => stale || now != head,
            Err(e) => {
                self.state().rebuilding = false;
                return Err(e);
            }
        };
        if !changed {
            let mut s = self.state();
            s.built = Some(Instant::now());
            s.rebuilding = false;
            return Ok(());
        }
        let me = Arc::clone(self);
        let tree = Arc::clone(tree);
        std::thread::spawn(move || {
            let _one = me.building.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = me.rebuild(&tree) {
                tracing::error!(error = %e, "rebuilding the search index failed");
            }
            me.state().rebuilding = false;
        });
        Ok(())
    }

    /// Whether [`LiveIndex::ensure`] would return at once without reading the store: the index is built
    /// and neither old nor marked stale (or a rebuild is already running). A search may then run on the
    /// request's own task.
    pub fn ready(&self) -> bool {
        let s = self.state();
        match s.built {
            None => false,
            Some(b) => s.rebuilding || !(s.stale || b.elapsed() > REBUILD_AFTER),
        }
    }

    /// Rebuilds at the next search (e.g. after the division tree changed: villages are matched by name).
    pub fn invalidate(&self) {
        self.state().stale = true;
    }

    fn audit_head(&self) -> Result<Option<i64>, StoreError> {
        let filter = AuditFilter {
            entity: Some("household".to_owned()),
            limit: Some(1),
            ..AuditFilter::default()
        };
        Ok(self.store.audit_entries(&filter)?.first().map(|e| e.seq))
    }

    fn rebuild(&self, tree: &AreaTree) -> Result<(), StoreError> {
        let started = self.read().changes();
        let head = self.audit_head()?;
        let at = Instant::now();
        let base = build(&self.store, tree)?;
        tracing::info!(
            households = base.len(),
            seconds = at.elapsed().as_secs_f64(),
            "search index built"
        );
        self.index
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .replace_base(base, started);
        let mut s = self.state();
        s.built = Some(Instant::now());
        s.audit_head = head;
        s.stale = false;
        Ok(())
    }

    /// The index, for searching.
    pub fn read(&self) -> RwLockReadGuard<'_, SearchIndex> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes in a household's current state after a change made through this process.
    pub fn refresh(&self, record: Record) {
        self.index
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .refresh(record);
    }
}

/// Reads every current household of the store into a new [`Base`], area by area (see [`SCAN_AT_ONCE`]).
pub fn build(store: &Store, tree: &AreaTree) -> Result<Base, StoreError> {
    let mut b = Builder::default();
    let mut tops: Vec<&AreaCode> = tree
        .areas()
        .filter(|a| a.level() == AreaLevel::Province)
        .map(|a| &a.code)
        .collect();
    tops.sort();
    for top in tops {
        read_area(store, tree, top, &mut b)?;
    }
    let villages = tree
        .areas()
        .filter(|a| a.level() == AreaLevel::Village)
        .map(|a| (a.code, a.name.clone()));
    Ok(b.finish(villages))
}

fn read_area(
    store: &Store,
    tree: &AreaTree,
    area: &AreaCode,
    b: &mut Builder,
) -> Result<(), StoreError> {
    let n = store.count_households(area)?;
    if n == 0 {
        return Ok(());
    }
    if n <= SCAN_AT_ONCE || tree.children(area).is_empty() {
        store.scan_households(area, None, &mut |s: StoredHousehold| {
            b.push(&Record::new(s.id, &s.household, &s.events));
            Ok(())
        })?;
        return Ok(());
    }
    let before = b.len();
    for child in tree.children(area) {
        read_area(store, tree, child, b)?;
    }
    // Households filed under a code the tree does not list below this area: read the area whole and take
    // the ones its children did not give.
    if (b.len() - before) as u64 != n {
        let seen: HashSet<HouseholdId> = b.entries[before..].iter().map(|e| e.id).collect();
        store.scan_households(area, None, &mut |s| {
            if !seen.contains(&s.id) {
                b.push(&Record::new(s.id, &s.household, &s.events));
            }
            Ok(())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VILLAGES: [&str; 6] = [
        "511902001001",
        "511902001002",
        "511902002001",
        "511903001001",
        "511903001002",
        "511921001001",
    ];
    const AREAS: [&str; 8] = [
        "51",
        "5119",
        "511902",
        "511902001",
        "511902001002",
        "511903",
        "511921001001",
        "511922",
    ];

    fn code(s: &str) -> AreaCode {
        AreaCode::parse(s).expect("test area code")
    }

    fn village_names() -> Vec<(AreaCode, String)> {
        // Includes a village without households, and names sharing characters with people's names.
        let names = [
            "石城村",
            "张家村",
            "王河村",
            "城关社区",
            "李子村",
            "新村",
            "空村",
        ];
        VILLAGES
            .iter()
            .chain(["511902009009"].iter())
            .zip(names)
            .map(|(c, n)| (code(c), n.to_owned()))
            .collect()
    }

    fn text(
        alphabet: &'static [char],
        len: std::ops::RangeInclusive<usize>,
    ) -> BoxedStrategy<String> {
        proptest::collection::vec(proptest::sample::select(alphabet), len)
            .prop_map(|v| v.into_iter().collect())
            .boxed()
    }

    const NAME: &[char] = &['张', '王', '李', '建', '国', '明', '石', '城'];
    const DIGITS: &[char] = &['0', '1', '2', '9', '-'];
    const ID_DIGITS: &[char] = &['0', '1', '9'];

    fn resident_id() -> BoxedStrategy<String> {
        (
            text(ID_DIGITS, 17..=17),
            proptest::sample::select(&['0', '1', 'X'][..]),
        )
            .prop_map(|(a, b)| format!("{a}{b}"))
            .boxed()
    }

    fn record(id: i64) -> BoxedStrategy<Record> {
        (
            0..VILLAGES.len(),
            text(DIGITS, 3..=8),
            proptest::sample::select(&["", "一组", "3组", "石城组"][..]),
            proptest::collection::vec((text(NAME, 1..=3), resident_id()), 0..=4),
            0usize..4,
        )
            .prop_map(move |(v, number, natural, members, head)| {
                let (names, ids): (Vec<String>, Vec<String>) = members.into_iter().unzip();
                Record {
                    id: HouseholdId(id),
                    village: code(VILLAGES[v]),
                    // Unique numbers: the order of a page is then fully defined.
                    number: format!("{number}{id:03}"),
                    natural_village: natural.to_owned(),
                    head: head.min(names.len().saturating_sub(1)),
                    head_resident_id: ids
                        .get(head.min(ids.len().saturating_sub(1)))
                        .map(|s| format!("{}************{}", &s[..4], &s[16..]))
                        .unwrap_or_default(),
                    names,
                    resident_ids: ids,
                    phone: Some("138****5678".to_owned()),
                    events: vec![],
                }
            })
            .boxed()
    }

    fn records(n: std::ops::Range<usize>) -> BoxedStrategy<Vec<Record>> {
        proptest::collection::vec(0..1000i64, n)
            .prop_flat_map(|ids| {
                let n = ids.len();
                (0..n as i64).map(record).collect::<Vec<_>>()
            })
            .boxed()
    }

    /// A query: a piece of some record's field, or text from the alphabets.
    fn query(records: &[Record]) -> BoxedStrategy<String> {
        let mut pieces: Vec<String> = vec!["城".into(), "村".into(), "0".into(), "X".into()];
        for r in records {
            pieces.push(r.number.clone());
            pieces.extend(r.names.iter().cloned());
            pieces.extend(r.resident_ids.iter().cloned());
            pieces.push(r.natural_village.clone());
        }
        let loose = text(
            &['张', '王', '石', '城', '0', '1', '9', 'x', 'X', '-'],
            1..=4,
        );
        (
            proptest::sample::select(pieces),
            0usize..20,
            1usize..20,
            loose,
            any::<bool>(),
        )
            .prop_map(|(piece, from, len, loose, take_piece)| {
                if take_piece && !piece.is_empty() {
                    let chars: Vec<char> = piece.chars().collect();
                    let from = from % chars.len();
                    let to = (from + len).min(chars.len());
                    chars[from..to].iter().collect()
                } else {
                    loose
                }
            })
            .boxed()
    }

    fn build_index(records: &[Record]) -> SearchIndex {
        let mut b = Builder::default();
        for r in records {
            b.push(r);
        }
        SearchIndex::new(b.finish(village_names()))
    }

    /// The reference: every record tested one by one, in (village, number) order.
    fn naive(records: &[Record], within: &AreaCode, q: &SearchQuery) -> Vec<HouseholdId> {
        let names = village_names();
        let mut found: Vec<&Record> = records
            .iter()
            .filter(|r| within.contains(&r.village))
            .filter(|r| {
                let name = names
                    .iter()
                    .find(|(c, _)| *c == r.village)
                    .map_or("", |(_, n)| n.as_str());
                SearchIndex::matches(r, name, q)
            })
            .collect();
        found.sort_by(|a, b| a.key().cmp(&b.key()));
        found.into_iter().map(|r| r.id).collect()
    }

    fn check_pages(
        index: &SearchIndex,
        records: &[Record],
        within: &AreaCode,
        q: &SearchQuery,
        limit: usize,
    ) -> Result<(), TestCaseError> {
        let expected = naive(records, within, q);
        let mut offset = 0;
        loop {
            let page = index.search(within, q, offset, limit);
            let ids: Vec<HouseholdId> = page.hits.iter().map(|h| h.id).collect();
            let want: Vec<HouseholdId> =
                expected.iter().skip(offset).take(limit).copied().collect();
            prop_assert_eq!(
                &ids,
                &want,
                "query {:?} within {} from {}",
                q,
                within,
                offset
            );
            prop_assert_eq!(page.total, expected.len());
            prop_assert!(!page.capped);
            if offset + limit >= expected.len() {
                return Ok(());
            }
            offset += limit;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn the_index_finds_what_a_scan_of_every_record_finds(
            (records, queries) in records(0..40).prop_flat_map(|rs| {
                let qs = proptest::collection::vec(query(&rs), 1..8);
                (Just(rs), qs)
            }),
            areas in proptest::collection::vec(0..AREAS.len(), 1..4),
            id_tails in any::<bool>(),
            limit in 1usize..15,
        ) {
            let index = build_index(&records);
            for text in &queries {
                for a in &areas {
                    let q = SearchQuery { text: text.clone(), id_tails };
                    check_pages(&index, &records, &code(AREAS[*a]), &q, limit)?;
                }
            }
        }

        #[test]
        fn changed_and_new_households_are_found_at_once(
            (records, changes, queries) in records(1..30).prop_flat_map(|rs| {
                let n = rs.len();
                // Changes to existing households (any field, including the village) and new households.
                let changes = proptest::collection::vec(
                    (0..n + 3).prop_flat_map(|i| record(i as i64)),
                    1..6,
                );
                let qs = proptest::collection::vec(query(&rs), 1..6);
                (Just(rs), changes, qs)
            }),
            area in 0..AREAS.len(),
            rebuild_after in 0usize..6,
            limit in 1usize..15,
        ) {
            let mut index = build_index(&records);
            let mut current = records.clone();
            let mut started = None;
            for (k, c) in changes.into_iter().enumerate() {
                if k == rebuild_after {
                    // A rebuild starts here: it reads the store as it is now.
                    started = Some((index.changes(), current.clone()));
                }
                match current.iter_mut().find(|r| r.id == c.id) {
                    Some(r) => *r = c.clone(),
                    None => current.push(c.clone()),
                }
                index.refresh(c);
            }
            if let Some((at, snapshot)) = started {
                let mut b = Builder::default();
                for r in &snapshot {
                    b.push(r);
                }
                index.replace_base(b.finish(village_names()), at);
            }
            prop_assert_eq!(index.len(), current.len());
            for text in &queries {
                for id_tails in [false, true] {
                    let q = SearchQuery { text: text.clone(), id_tails };
                    check_pages(&index, &current, &code(AREAS[area]), &q, limit)?;
                }
            }
        }
    }

    fn person(id: i64, village: &str, name: &str, rid: &str) -> Record {
        Record {
            id: HouseholdId(id),
            village: code(village),
            number: format!("{village}{id:04}"),
            natural_village: String::new(),
            names: vec![name.to_owned()],
            head: 0,
            resident_ids: vec![rid.to_owned()],
            head_resident_id: format!("{}************{}", &rid[..4], &rid[16..]),
            phone: None,
            events: vec![],
        }
    }

    #[test]
    fn counting_stops_at_the_cap_and_pages_still_follow_in_order() {
        let records: Vec<Record> = (0..2500)
            .map(|i| person(i, VILLAGES[(i % 3) as usize], "张三", "511902197001010011"))
            .collect();
        let index = build_index(&records);
        let q = SearchQuery {
            text: "张".into(),
            id_tails: false,
        };
        let first = index.search(&code("5119"), &q, 0, 20);
        assert_eq!(first.total, COUNT_CAP);
        assert!(first.capped);
        assert_eq!(first.hits.len(), 20);
        // A page past the cap is still answered, and the count reaches it.
        let far = index.search(&code("5119"), &q, 1990, 20);
        assert_eq!(far.total, 2010);
        assert!(far.capped);
        let want = naive(&records, &code("5119"), &q);
        let ids: Vec<HouseholdId> = far.hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, want[1990..2010]);
        // Within one village: 834 matches, counted exactly.
        let v = index.search(&code(VILLAGES[0]), &q, 0, 20);
        assert_eq!((v.total, v.capped), (834, false));
    }

    #[test]
    fn search_by_whole_id_finds_nothing_for_roles_without_ids() {
        let rid = "51190219700101001X";
        let index = build_index(&[person(1, VILLAGES[0], "王五", rid)]);
        let find = |text: &str, id_tails| {
            index
                .search(
                    &code("51"),
                    &SearchQuery {
                        text: text.into(),
                        id_tails,
                    },
                    0,
                    10,
                )
                .total
        };
        assert_eq!(
            find(rid, false),
            0,
            "a whole ID finds nothing without the right to see IDs"
        );
        assert_eq!(find("51190219700101001x", false), 0);
        assert_eq!(find(rid, true), 1);
        assert_eq!(find("51190219700101001x", true), 1, "x as typed");
        assert_eq!(find("01001X", false), 0);
        assert_eq!(find("01001X", true), 1);
        assert_eq!(find("1001X", true), 0, "shorter than six");
        assert_eq!(find("001X", true), 0);
        assert_eq!(
            find("511902", true),
            1,
            "the number starts with the village code"
        );
        assert_eq!(find("19700101", true), 0, "the middle of an ID is no tail");
    }

    #[test]
    fn a_run_of_one_trigram_needs_the_numbers_that_repeat_it() {
        let mut records: Vec<Record> = (0..50)
            .map(|i| person(i, VILLAGES[0], "赵六", "511902197001010011"))
            .collect();
        records[7].number = "5119020000000001".into();
        let index = build_index(&records);
        let q = SearchQuery {
            text: "0000000".into(),
            id_tails: false,
        };
        // Every number has `000` once; only one has it five times (seven zeros in a row).
        let page = index.search(&code("51"), &q, 0, 10);
        assert_eq!(
            page.hits.iter().map(|h| h.id).collect::<Vec<_>>(),
            [HouseholdId(7)]
        );
        let mut keys = Vec::new();
        trigram_keys(b"0000000", false, &mut keys);
        assert_eq!(keys, [trigram(b"000", 5)]);
        assert_eq!(index.base.list(keys[0], &(0..50)).len(), 1);
    }

    #[test]
    fn lists_carry_only_masked_identity_data() {
        let rid = "511902197001010011";
        let index = build_index(&[person(7, VILLAGES[1], "李四", rid)]);
        let page = index.search(
            &code(VILLAGES[1]),
            &SearchQuery {
                text: "李四".into(),
                id_tails: true,
            },
            0,
            10,
        );
        let hit = &page.hits[0];
        assert_eq!(hit.head_name, "李四");
        assert_eq!(hit.head_resident_id, "5119************11");
        assert_eq!(hit.size, 1);
        assert!(!format!("{hit:?}").contains(rid));
    }

    #[test]
    fn tail_keys_keep_ids_with_a_common_ending_together() {
        let a = id_key(b"511902197001010011").expect("key");
        let b = id_key(b"440102198805050011").expect("key");
        let c = id_key(b"511902197001010012").expect("key");
        let r = tail_range(b"0011").expect("range");
        assert!(r.contains(&a) && r.contains(&b) && !r.contains(&c));
        assert_eq!(tail_range(b"511902197001010011"), Some(a..a + 1));
        assert_eq!(tail_range(b"X1"), None, "X only in the check position");
        assert!(id_key(b"51190219700101001X").expect("key") > a);
    }

    #[test]
    fn statuses_survive_the_compact_form() {
        let mut e = StatusEvent::new(
            StatusEventKind::Monitored,
            NaiveDate::from_ymd_opt(2022, 3, 4).expect("date"),
        );
        e.monitoring_kind = Some(MonitoringKind::Marginal);
        e.risk_types = vec![RiskType::Illness, RiskType::Water];
        assert_eq!(Ev::of(&e).event(), e);
    }
}
