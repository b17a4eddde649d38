//! What is wrong with a configuration, each problem with its file and line.

use std::fmt;
use toml::Spanned;

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub file: String,
    /// 1-based; 0 when the problem has no place in the file (an environment variable, say).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// All the problems found in a configuration; `Display` lists them one per line.
#[derive(Debug, Clone)]
pub struct ConfigError(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Maps byte offsets in a file to 1-based line numbers.
pub(super) struct Lines<'a> {
    pub(super) text: &'a str,
}

impl Lines<'_> {
    pub(super) fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }
}

pub(super) struct Problems<'a> {
    pub(super) file: &'a str,
    pub(super) lines: Lines<'a>,
    pub(super) list: Vec<ConfigProblem>,
}

impl Problems<'_> {
    pub(super) fn at<T>(&mut self, spanned: &Spanned<T>, message: impl Into<String>) {
        let span = spanned.span();
        let line = if span == (0..0) {
            0
        } else {
            self.lines.line_of(span.start)
        };
        self.list.push(ConfigProblem {
            file: self.file.to_string(),
            line,
            message: message.into(),
        });
    }

    pub(super) fn nowhere(&mut self, message: impl Into<String>) {
        self.list.push(ConfigProblem {
            file: self.file.to_string(),
            line: 0,
            message: message.into(),
        });
    }
}
