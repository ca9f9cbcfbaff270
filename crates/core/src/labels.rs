//! Enumerations that users see: each variant keeps a stable code (stored in databases and files, never changed)
//! and its Chinese label (shown in forms, spreadsheets and reports), declared together in one place.

/// Declares an enum whose variants carry a stable code and a Chinese label.
///
/// The generated type has `code()`, `label()`, `ALL`, `from_code()`, `from_label()`, `parse()` (code or label),
/// `index()` (a small integer for columnar storage), `Display` (the label) and serde as the code.
#[macro_export]
macro_rules! labeled_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $label:literal $(, $alias:literal)*)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in databases and files.
            pub const fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese label users see.
            pub const fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Position in [`Self::ALL`], for compact storage.
            pub fn index(self) -> u8 {
                Self::ALL.iter().position(|v| *v == self).unwrap_or(0) as u8
            }

            pub fn from_index(index: u8) -> Option<Self> {
                Self::ALL.get(usize::from(index)).copied()
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Accepts the label and the older or alternative wordings seen in exported spreadsheets.
            pub fn from_label(label: &str) -> Option<Self> {
                match label.trim() { $($label $(| $alias)* => Some($name::$variant),)+ _ => None }
            }

            /// Accepts a code or a label.
            pub fn parse(text: &str) -> Option<Self> {
                Self::from_code(text.trim()).or_else(|| Self::from_label(text))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    ::serde::de::Error::custom(format!(concat!("「{}」不是有效的", stringify!($name)), text))
                })
            }
        }
    };
}
