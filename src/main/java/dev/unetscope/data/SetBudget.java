package dev.unetscope.data;

/**
 * The bytes of prepared image and mask floats that the sets of one stage may hold in memory, all
 * kinds together (training split, validation split, query sets): a set is held while it fits what
 * is left, otherwise read case by case each time it is visited ({@link PreparedSet#stream}). Held or
 * streamed, a set gives the same values, so only memory and time depend on the budget; with it the
 * memory of the sets stops growing with the number of cases once the budget is spent.
 */
public final class SetBudget {
    /** The system property {@code unetscope.setBudgetBytes}, when set, gives both budgets below (0 streams every set). */
    private static final Long PROPERTY = Long.getLong("unetscope.setBudgetBytes");

    /**
     * 128 MiB for all the sets of a stage that visits every checkpoint (analyze, evaluate): every set
     * of the default demo (40 cases of 64 x 64 x 24, about 70 MB) and, at 200 cases, its training and
     * validation splits (125 MB), the query sets then read case by case.
     */
    public static final long DEFAULT_BYTES = PROPERTY != null ? PROPERTY : 128L << 20;

    /** 1 GiB for one split a stage holds on its own (training's, which re-reads a streamed case at every step). */
    public static final long SPLIT_BYTES = PROPERTY != null ? PROPERTY : 1L << 30;

    private long left;

    public SetBudget(long bytes) {
        this.left = Math.max(0, bytes);
    }

    /** A budget of {@link #DEFAULT_BYTES}. */
    public static SetBudget ofDefault() {
        return new SetBudget(DEFAULT_BYTES);
    }

    /** Takes {@code bytes} from the budget when they fit what is left; false (nothing taken) otherwise. */
    public synchronized boolean claim(long bytes) {
        if (bytes > left) return false;
        left -= bytes;
        return true;
    }

    /** Bytes of image and mask floats of {@code cases} cases prepared with {@code prep} ({@code channels} input channels each). */
    static long bytes(long cases, Preprocessing prep, int channels) {
        int[] shape = prep.targetShape();
        long voxels = shape != null ? (long) shape[0] * shape[1] * shape[2] : 256L * 256 * 64;
        return cases * voxels * (4L * channels + 4L); // every channel and the mask
    }
}
