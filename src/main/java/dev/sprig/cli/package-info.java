/** The {@code sprig} command line: parse, call one package, print. Nothing imports this package. */
package dev.sprig.cli;
