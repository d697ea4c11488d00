package org.ebvspark.model;

/**
 * A value given for a command-line option that cannot be used (a negative count, a rate of zero, an
 * unknown name): a usage error, which the command line reports in one line with exit code 2,
 * wherever the value is checked.
 */
public class BadOptionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public BadOptionException(String message) {
    super(message);
  }
}
