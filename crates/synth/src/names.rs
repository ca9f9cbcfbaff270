//! Plausible Chinese names: weighted family names (with the ones common in north-east Sichuan weighted up) and
//! given-name characters that depend on sex and birth cohort (桂兰 for a grandmother, 子涵 for a child).

use std::sync::OnceLock;

use jingzhun_core::Sex;

use crate::rng::{self, SynthRng};

/// Family names with rough relative frequencies (per mille of the population, Sichuan-leaning).
const SURNAMES: &[(&str, f64)] = &[
    ("李", 80.0),
    ("王", 70.0),
    ("张", 65.0),
    ("刘", 55.0),
    ("陈", 50.0),
    ("杨", 45.0),
    ("何", 30.0),
    ("赵", 25.0),
    ("黄", 22.0),
    ("周", 20.0),
    ("吴", 18.0),
    ("罗", 22.0),
    ("徐", 12.0),
    ("孙", 10.0),
    ("胡", 14.0),
    ("朱", 10.0),
    ("高", 10.0),
    ("林", 8.0),
    ("郭", 9.0),
    ("马", 9.0),
    ("梁", 7.0),
    ("宋", 7.0),
    ("郑", 7.0),
    ("谢", 9.0),
    ("韩", 5.0),
    ("唐", 12.0),
    ("冯", 8.0),
    ("于", 4.0),
    ("董", 5.0),
    ("萧", 2.0),
    ("程", 6.0),
    ("曹", 6.0),
    ("袁", 9.0),
    ("邓", 10.0),
    ("许", 5.0),
    ("傅", 4.0),
    ("沈", 4.0),
    ("曾", 8.0),
    ("彭", 9.0),
    ("吕", 4.0),
    ("苏", 6.0),
    ("卢", 5.0),
    ("蒋", 8.0),
    ("蔡", 5.0),
    ("贾", 4.0),
    ("丁", 4.0),
    ("魏", 5.0),
    ("薛", 3.0),
    ("叶", 4.0),
    ("阎", 2.0),
    ("余", 8.0),
    ("潘", 4.0),
    ("杜", 7.0),
    ("戴", 3.0),
    ("夏", 4.0),
    ("钟", 5.0),
    ("汪", 3.0),
    ("田", 6.0),
    ("任", 7.0),
    ("姜", 4.0),
    ("范", 4.0),
    ("方", 3.0),
    ("石", 5.0),
    ("姚", 4.0),
    ("谭", 6.0),
    ("廖", 6.0),
    ("邹", 4.0),
    ("熊", 5.0),
    ("金", 2.0),
    ("陆", 2.0),
    ("郝", 2.0),
    ("孔", 2.0),
    ("白", 3.0),
    ("崔", 2.0),
    ("康", 3.0),
    ("毛", 3.0),
    ("邱", 3.0),
    ("秦", 3.0),
    ("江", 3.0),
    ("史", 2.0),
    ("顾", 1.5),
    ("侯", 3.0),
    ("邵", 2.0),
    ("孟", 2.0),
    ("龙", 3.0),
    ("万", 3.0),
    ("段", 3.0),
    ("雷", 4.0),
    ("钱", 1.5),
    ("汤", 2.0),
    ("尹", 2.0),
    ("黎", 2.0),
    ("易", 3.0),
    ("常", 1.5),
    ("武", 2.0),
    ("乔", 1.5),
    ("贺", 2.0),
    ("赖", 1.5),
    ("龚", 3.0),
    ("文", 4.0),
    ("岳", 6.0),
    ("苟", 8.0),
    ("蒲", 7.0),
    ("母", 3.0),
    ("敬", 3.0),
    ("向", 4.0),
    ("覃", 1.5),
    ("严", 2.0),
    ("牟", 3.0),
    ("冉", 2.0),
    ("鲜", 2.0),
    ("庞", 3.0),
    ("付", 5.0),
    ("伍", 3.0),
    ("宁", 1.5),
    ("祝", 1.5),
    ("柏", 1.5),
    ("涂", 2.0),
    ("欧阳", 0.8),
    ("司马", 0.3),
];

/// Given-name characters by sex and cohort. Older cohorts: born before 1970; middle: 1970–1994; young: 1995 on.
const MALE_OLD: &str = "德福贵富财宝国发忠永林树根树松山全明华文武和顺兴德成义仁礼安邦家金银长春生寿俊祥志学才开元洪清正远道培仲维世泽绍廷守光耀先启贤良廷玉";
const MALE_MIDDLE: &str = "军强勇伟建平斌波涛刚明亮辉峰磊鹏勇超杰海东红兵军华光林军涛勇建新国庆春小晓云龙虎飞勇刚毅彬健斌坤亮锋鸣剑波雄利荣涛勤伦江川";
const MALE_YOUNG: &str = "浩宇轩子博文睿哲俊杰泽鑫昊然皓晨阳瑞航宸铭锦逸凯旭嘉诚梓涵祥宁奕辰豪毅宇航翔鹏骏逸飞钧炜煜烨泓霖峻琦弘骁楷";
const FEMALE_OLD: &str = "秀英兰桂芳珍玉凤莲梅翠花琼淑素贞香春菊芝秀群英桂兰惠玉珍凤仙银荣兰琼芬莲娥凤秀碧蓉淑桂群珠翠秋";
const FEMALE_MIDDLE: &str =
    "丽红艳燕霞萍娟静敏琴琳玲芳梅莉华英娜婷慧丹洁蓉霞小晓雪春芬平莎倩薇蕾露晶媛玲茜巧娅丽";
const FEMALE_YOUNG: &str =
    "涵萱雨欣怡诗梦悦佳琪可馨语彤思婷雪晨妍若汐一诺佩瑶紫子琳月蕊晴瑾萌沫妤钰芊琬熙苒菲璐歆";

/// A family name drawn by frequency.
pub(crate) fn surname(rng: &mut SynthRng) -> &'static str {
    rng::weighted(rng, SURNAMES)
}

/// The pools decoded once (decoding UTF-8 per name was a measurable share of generation time).
fn pools() -> &'static [Vec<char>; 6] {
    static POOLS: OnceLock<[Vec<char>; 6]> = OnceLock::new();
    POOLS.get_or_init(|| {
        [
            MALE_OLD,
            MALE_MIDDLE,
            MALE_YOUNG,
            FEMALE_OLD,
            FEMALE_MIDDLE,
            FEMALE_YOUNG,
        ]
        .map(|s| s.chars().collect())
    })
}

fn pool(sex: Sex, birth_year: i32) -> &'static [char] {
    let cohort = match birth_year {
        y if y < 1970 => 0,
        y if y < 1995 => 1,
        _ => 2,
    };
    let sex = match sex {
        Sex::Male => 0,
        Sex::Female => 3,
    };
    &pools()[sex + cohort]
}

fn pick(rng: &mut SynthRng, chars: &[char]) -> char {
    chars[rng::int(rng, 0, chars.len() as i64 - 1) as usize]
}

/// A full name: the family name and a one- or two-character given name suited to sex and cohort.
pub(crate) fn full_name(rng: &mut SynthRng, family: &str, sex: Sex, birth_year: i32) -> String {
    let chars = pool(sex, birth_year);
    let two = rng::chance(rng, if birth_year < 1970 { 0.6 } else { 0.75 });
    let mut name = String::with_capacity(family.len() + 6);
    name.push_str(family);
    let first = pick(rng, chars);
    name.push(first);
    if two {
        // Avoid a doubled character unless it is the classic reduplicated form (婷婷), kept rare.
        let mut second = pick(rng, chars);
        if second == first && !rng::chance(rng, 0.2) {
            second = pick(rng, chars);
        }
        name.push(second);
    }
    name
}

/// Number of distinct surnames and given-name characters (for documentation and tests).
pub fn vocabulary_size() -> (usize, usize) {
    let mut chars: Vec<char> = [
        MALE_OLD,
        MALE_MIDDLE,
        MALE_YOUNG,
        FEMALE_OLD,
        FEMALE_MIDDLE,
        FEMALE_YOUNG,
    ]
    .concat()
    .chars()
    .collect();
    chars.sort_unstable();
    chars.dedup();
    (SURNAMES.len(), chars.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_large_enough() {
        let (surnames, given) = vocabulary_size();
        assert!(surnames >= 100, "{surnames}");
        assert!(given >= 200, "{given}");
    }

    #[test]
    fn names_are_two_to_four_characters() {
        let mut rng = crate::rng::stream(1, "names", 1);
        for i in 0..1000 {
            let family = surname(&mut rng);
            let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
            let name = full_name(&mut rng, family, sex, 1940 + i % 80);
            let n = name.chars().count();
            assert!((2..=4).contains(&n), "{name}");
            assert!(name.starts_with(family));
        }
    }
}
