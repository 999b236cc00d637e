/**
 * What a user looks at: PNG plots (XChart) and reports built from run folders. Reads only the
 * run-record types of {@code dev.sprig.train}, never a method package, so any run folder can be
 * plotted whatever produced it.
 */
package dev.sprig.report;
