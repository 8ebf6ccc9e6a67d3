//! Host tests of the markdown module, one module per section: a table of cases for every block
//! construct ([`blocks`]) and inline construct ([`inlines`]), XSS payloads that must stay inert
//! ([`safety`]), streaming (an unclosed fence, a fence closing later, a table growing row by row,
//! long fences, lists and lines: [`streaming`]), and properties of the segmenter ("any
//! re-chunking gives the same segments", "frozen segments never change", bounded tail, ...:
//! [`properties`]), and when a re-rendered tail only grew at its end ([`append`]). Shared builders and checks are in [`helpers`].
#![cfg(not(target_arch = "wasm32"))]

mod append;
mod blocks;
mod helpers;
mod inlines;
mod properties;
mod safety;
mod streaming;
