//! The block parser: CommonMark's container/leaf algorithm, simplified, line by line. Each line
//! first continues or closes the open containers (quotes, list items), then feeds the open fence,
//! continues a paragraph lazily, opens new containers, and ends in a leaf (a fence, heading,
//! break, table row or paragraph text). Closed blocks go into the innermost open container, or
//! the document.

use super::{
    inline::inlines,
    line::{
        atx, delim_row, fence_open, is_closing, lang_of, list_marker, row_cells, setext,
        split_cells, starts_block, thematic, Cur, Marker,
    },
    state::{Kind, Leaf, Open, OpenFence, Parser, MAX_DEPTH},
    tree::{Align, Block},
};

impl Parser {
    /// One line, without its `\n`; `terminated` says whether the `\n` was there.
    ///
    /// The steps, in order: the rest of a line cut in the middle is text; otherwise 1. the open
    /// containers the line continues, 2. a line of the open fence, 3. a lazy continuation line,
    /// then (after closing the containers not continued) a blank line, 4. new containers and
    /// 5. the leaf.
    pub(super) fn line(&mut self, raw: &str, terminated: bool) {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        self.opened_item = false;
        self.converted = false;
        if std::mem::take(&mut self.mid_line) {
            self.rest_of_cut_line(raw, terminated);
            return;
        }
        let mut c = Cur::new(raw);
        self.matched = self.match_containers(&mut c);
        let all = self.matched == self.stack.len();
        let blank = c.is_blank();
        if all && self.in_fence() {
            self.fence_line(c, blank, terminated);
            return;
        }
        if !all && !blank && self.lazy_continuation(&c) {
            return;
        }
        while self.stack.len() > self.matched {
            self.close_top();
        }
        if blank {
            self.close_leaf();
            self.last_blank = true;
            return;
        }
        self.last_blank = false;
        self.open_containers(&mut c);
        // An empty item or quote line has no leaf.
        if !c.is_blank() {
            self.leaf_line(&c);
        }
    }

    /// The rest of a line cut in the middle: no container markers, no block starts.
    fn rest_of_cut_line(&mut self, raw: &str, terminated: bool) {
        self.matched = self.stack.len();
        self.last_blank = false;
        if self.in_fence() {
            self.push_code(raw, terminated);
        } else {
            self.para_add(raw);
        }
    }

    /// 1. How many open containers does the line continue? "> " for quotes; for list items,
    ///    indentation of at least the item's content column, or a blank line. Consumes their
    ///    prefixes from `c`.
    fn match_containers(&self, c: &mut Cur) -> usize {
        let mut matched = 0;
        while matched < self.stack.len() {
            let ok = match self.stack[matched].kind {
                Kind::Quote => {
                    let ok = c.indent() <= 3 && c.peek() == Some(b'>');
                    if ok {
                        c.skip_ws();
                        c.bump(1);
                        c.skip_indent(1);
                    }
                    ok
                }
                Kind::Item { indent, .. } => {
                    if c.is_blank() {
                        true
                    } else if c.indent() >= indent {
                        c.skip_indent(indent);
                        true
                    } else {
                        false
                    }
                }
            };
            if !ok {
                break;
            }
            matched += 1;
        }
        matched
    }

    /// 2. A line inside the open fence, which every container continues: "The closing code
    ///    fence ... may be preceded by up to three spaces of indentation, and may be followed
    ///    only by spaces or tabs"; otherwise content, with up to the opening fence's indentation
    ///    removed.
    fn fence_line(&mut self, mut c: Cur, blank: bool, terminated: bool) {
        let Leaf::Fence { info, .. } = &self.leaf else {
            return;
        };
        let indent = info.indent;
        if c.indent() <= 3 && is_closing(c.after_ws(), info.ch(), info.fence.len()) {
            self.last_blank = false;
            self.close_leaf_with(true);
            return;
        }
        self.last_blank = blank;
        if self.build {
            c.skip_indent(indent);
            self.push_code(&c.rest(), terminated);
        }
    }

    /// Adds a line of code to the open fence (when building).
    fn push_code(&mut self, text: &str, terminated: bool) {
        if let (true, Leaf::Fence { code, .. }) = (self.build, &mut self.leaf) {
            code.push_str(text);
            if terminated {
                code.push('\n');
            }
        }
    }

    /// 3. Lazy continuation: "a paragraph continuation line" that starts no block keeps its
    ///    paragraph (and the containers around it) open. For a non-blank line that does not
    ///    continue every container; returns whether it was one.
    fn lazy_continuation(&mut self, c: &Cur) -> bool {
        if !matches!(self.leaf, Leaf::Para { .. }) || starts_block(c) {
            return false;
        }
        self.last_blank = false;
        self.para_add(c.after_ws());
        true
    }

    /// 4. New containers. "In order for a sequence of lines to constitute a list item, ...
    ///    when the first list item in a list interrupts a paragraph ... it must start with 1"
    ///    and must not be empty.
    fn open_containers(&mut self, c: &mut Cur) {
        while self.stack.len() < MAX_DEPTH && c.indent() <= 3 {
            let t = c.after_ws();
            if t.starts_with('>') {
                self.close_leaf();
                c.skip_ws();
                c.bump(1);
                c.skip_indent(1);
                self.stack.push(Open::new(Kind::Quote));
                continue;
            }
            let Some(m) = list_marker(t) else { break };
            if thematic(t) {
                break;
            }
            if matches!(self.leaf, Leaf::Para { .. }) && (m.empty || (m.ordered && m.num != 1)) {
                break;
            }
            self.open_item(c, &m);
        }
    }

    /// Opens a list item at marker `m`, consuming the marker and the padding after it.
    fn open_item(&mut self, c: &mut Cur, m: &Marker) {
        self.close_leaf();
        let base = c.col;
        c.skip_ws();
        c.bump(m.width);
        let after = c.col;
        // "If the first block ... begins with five or more spaces, the content starts one
        // column after the marker" (that would be indented code).
        let pad = if c.is_blank() {
            1
        } else {
            let n = c.indent();
            let pad = if n >= 5 { 1 } else { n };
            c.skip_indent(pad);
            pad
        };
        self.stack.push(Open::new(Kind::Item {
            indent: after - base + pad,
            marker: m.ch,
            start: m.num,
            ctx: false,
        }));
        self.opened_item = true;
    }

    /// 5. The leaf: a block start, else a row of the open table, else paragraph text.
    fn leaf_line(&mut self, c: &Cur) {
        let ind = c.indent();
        let t = c.after_ws();
        if ind <= 3 && self.leaf_start(t, ind) {
            return;
        }
        if let Leaf::Table { align, rows, .. } = &mut self.leaf {
            if self.build {
                rows.push(row_cells(t, align.len()));
            }
            return;
        }
        self.para_add(t);
    }

    /// A line `t` (indented `ind` columns, at most 3) that opens a fence, is an ATX heading or a
    /// thematic break, or turns the paragraph above into a setext heading or a table. Returns
    /// false for any other line.
    fn leaf_start(&mut self, t: &str, ind: usize) -> bool {
        if let Some((n, info)) = fence_open(t) {
            self.open_fence(&t[..n], info, ind);
            return true;
        }
        if let Some((level, content)) = atx(t) {
            self.close_leaf();
            if self.build {
                let content = inlines(content);
                self.emit(Block::Heading { level, content });
            }
            return true;
        }
        let in_para = matches!(&self.leaf, Leaf::Para { lines, .. } if *lines > 0);
        if in_para && self.setext_underline(t) {
            return true;
        }
        if thematic(t) {
            self.close_leaf();
            self.emit(Block::Rule);
            return true;
        }
        in_para && self.table_delimiter(t)
    }

    /// Opens a fenced code block: `fence` is its run of backticks or tildes, `info` the rest of
    /// the line, `indent` the columns before it.
    fn open_fence(&mut self, fence: &str, info: &str, indent: usize) {
        self.close_leaf();
        let ordinal = self.fences;
        self.fences = self.fences.saturating_add(1);
        self.leaf = Leaf::Fence {
            info: OpenFence {
                ordinal,
                fence: fence.to_owned(),
                lang: lang_of(info),
                indent,
            },
            code: String::new(),
            continued: false,
        };
    }

    /// "A setext heading underline is a sequence of = characters or a sequence of - characters"
    /// below a paragraph, which becomes the heading.
    fn setext_underline(&mut self, t: &str) -> bool {
        let Some(level) = setext(t) else {
            return false;
        };
        self.converted = true;
        if let Leaf::Para { text, .. } = std::mem::take(&mut self.leaf) {
            if self.build {
                let content = inlines(text.trim_end());
                self.emit(Block::Heading { level, content });
            }
        }
        true
    }

    /// A delimiter row below a paragraph whose last line is a matching header row starts a
    /// table. GFM: "The header row must match the delimiter row in the number of cells."
    fn table_delimiter(&mut self, t: &str) -> bool {
        let Some(align) = delim_row(t) else {
            return false;
        };
        let header_ok = match &self.leaf {
            Leaf::Para { text, last, .. } => {
                let header = &text[*last..];
                header.contains('|') && split_cells(header).len() == align.len()
            }
            _ => false,
        };
        if header_ok {
            self.make_table(align);
        }
        header_ok
    }

    /// The paragraph's last line becomes the head of a table; lines above stay a paragraph.
    fn make_table(&mut self, align: Vec<Align>) {
        if let Leaf::Para { text, last, .. } = std::mem::take(&mut self.leaf) {
            self.converted = true;
            let mut head = Vec::new();
            if self.build {
                let before = text[..last].trim_end();
                if !before.trim().is_empty() {
                    self.emit(Block::Paragraph(inlines(before)));
                }
                head = row_cells(&text[last..], align.len());
            }
            self.leaf = Leaf::Table {
                align,
                head,
                rows: Vec::new(),
            };
        }
    }

    /// Adds a line to the open paragraph, or starts one.
    fn para_add(&mut self, t: &str) {
        let t = t.trim_start_matches([' ', '\t']);
        let build = self.build;
        if let Leaf::Para { text, last, lines } = &mut self.leaf {
            if build {
                if *lines > 0 {
                    text.push('\n');
                }
                *last = text.len();
            } else {
                text.clear();
                *last = 0;
            }
            text.push_str(t);
            *lines += 1;
        } else {
            self.close_leaf();
            self.leaf = Leaf::Para {
                text: t.to_owned(),
                last: 0,
                lines: 1,
            };
        }
    }

    fn close_leaf(&mut self) {
        self.close_leaf_with(false);
    }

    /// Closes the open leaf block; `closed` = a closing fence was seen.
    fn close_leaf_with(&mut self, closed: bool) {
        let leaf = std::mem::take(&mut self.leaf);
        if !self.build {
            return;
        }
        match leaf {
            Leaf::None => {}
            Leaf::Para { text, .. } => {
                if !text.trim().is_empty() {
                    self.emit(Block::Paragraph(inlines(text.trim_end())));
                }
            }
            Leaf::Table { align, head, rows } => {
                if !head.is_empty() || !rows.is_empty() {
                    self.emit(Block::Table { align, head, rows });
                }
            }
            Leaf::Fence {
                info,
                code,
                continued,
            } => self.emit(Block::Code {
                lang: info.lang,
                code,
                fence: info.ordinal,
                continued,
                closed,
            }),
        }
    }

    fn target(&mut self) -> (&mut Vec<Block>, &mut Option<u8>) {
        match self.stack.last_mut() {
            Some(o) => (&mut o.blocks, &mut o.list),
            None => (&mut self.root, &mut self.root_list),
        }
    }

    fn emit(&mut self, block: Block) {
        if self.build {
            let (blocks, list) = self.target();
            blocks.push(block);
            *list = None;
        }
    }

    /// Closes the innermost container (and the leaf in it).
    fn close_top(&mut self) {
        self.close_leaf();
        let Some(open) = self.stack.pop() else {
            return;
        };
        if !self.build {
            return;
        }
        match open.kind {
            Kind::Quote => self.emit(Block::Quote(open.blocks)),
            Kind::Item { ctx: true, .. } => {
                for b in open.blocks {
                    self.emit(b);
                }
            }
            Kind::Item { marker, start, .. } => {
                let ordered = marker == b'.' || marker == b')';
                let (blocks, list) = self.target();
                if *list == Some(marker) {
                    if let Some(Block::List { items, .. }) = blocks.last_mut() {
                        items.push(open.blocks);
                        return;
                    }
                }
                blocks.push(Block::List {
                    ordered,
                    start: if ordered { start } else { 1 },
                    items: vec![open.blocks],
                });
                *list = Some(marker);
            }
        }
    }

    pub(super) fn finish(mut self) -> Vec<Block> {
        self.close_leaf();
        while !self.stack.is_empty() {
            self.close_top();
        }
        self.root
    }
}
