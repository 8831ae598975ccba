package dev.unetscope.cli;

import dev.unetscope.experiment.Provenance;
import dev.unetscope.io.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** The {@code unetscope} command line: one subcommand per pipeline stage. */
@Command(name = "unetscope", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Predict how well a 3D segmentation UNet will do on unlabelled scans, from its interior features.",
        subcommands = {DemoCommand.class, SynthCommand.class, ShiftCommand.class, TrainCommand.class, EvaluateCommand.class, FeaturesCommand.class, AnalyzeCommand.class, MergeCommand.class, PredictCommand.class, ReportCommand.class, InspectCommand.class, DoctorCommand.class, BenchCommand.class, ImportCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for a fault in what the user gave (a file, a folder, a flag). */
    public static final int BAD_INPUT = 2;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces for errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this in-process). */
    public static int execute(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handle);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("unetscope: " + ex.getMessage().split("\n")[0] + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return BAD_INPUT;
        });
        return cl;
    }

    private static int handle(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        boolean debug = parsed.hasMatchedOption("--debug") || parsed.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--debug"))
                || hasDebug(parsed);
        PrintWriter err = cl.getErr();
        if (debug) ex.printStackTrace(err);
        if (ex instanceof BadInputException) {
            err.println("unetscope: " + ex.getMessage());
            err.flush();
            return BAD_INPUT;
        }
        if (ex instanceof UncheckedIOException u) {
            err.println("unetscope: " + u.getMessage() + " (check the disk and the folder's permissions)");
            err.flush();
            return BAD_INPUT;
        }
        err.println("unetscope: internal error: " + ex + (debug ? "" : " (re-run with --debug for the stack trace, and report it)"));
        err.flush();
        return 1;
    }

    private static boolean hasDebug(CommandLine.ParseResult p) {
        while (p != null) {
            if (p.hasMatchedOption("--debug")) return true;
            p = p.subcommand();
        }
        return false;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            var v = Provenance.versions();
            return new String[] {"unetscope " + v.get("unetscope"), "DJL " + v.get("djl") + ", PyTorch " + v.get("pytorch") + ", Java " + v.get("java")};
        }
    }
}
