package io.katacontainers.runtime.cli;

import picocli.CommandLine;

/** runc's (urfave/cli's) words for a command line it refuses, for the callers that read them. */
final class RuncWording {
    private RuncWording() {
    }

    /**
     * {@code flag provided but not defined: -foo} for an unknown flag (urfave/cli names it with one dash, whatever
     * the caller typed), else picocli's own message.
     */
    static String describe(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
            for (String arg : unmatched.getUnmatched()) {
                if (arg.startsWith("-") && arg.length() > 1) {
                    String name = arg.replaceFirst("^--?", "");
                    int equals = name.indexOf('=');
                    return "flag provided but not defined: -" + (equals >= 0 ? name.substring(0, equals) : name);
                }
            }
        }
        return e.getMessage();
    }
}
