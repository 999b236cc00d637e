/**
 * The library face for Java users: train a network of one's own with any Sprig method through a
 * builder, without YAML or the command line. Sits above the method packages.
 */
package dev.sprig.api;
