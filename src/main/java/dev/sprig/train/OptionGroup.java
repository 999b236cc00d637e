package dev.sprig.train;

import java.util.List;

/**
 * A named group of settings that one method family reads, by config key ({@code snake_case}, as in
 * {@code config.yaml}). The command line shows each group under its heading, so a command's {@code
 * --help} lists the shared settings and the groups of the methods it runs, nothing else.
 *
 * <p>In a run's {@code config.yaml} each group but the shared one is a section (a map under {@link
 * #section}); config files may also list every key flat, as runs before sections did.
 *
 * @param heading the help heading, e.g. "Early-Bird"
 * @param section the YAML section of the group's keys, or null for top-level keys
 * @param keys the config keys of the group, in help order
 * @param parser reads and checks the group's options type from a config (e.g. {@code
 *     DynamicSparseOptions::from}); throws {@code SprigException} for a bad value
 */
public record OptionGroup(
        String heading,
        String section,
        List<String> keys,
        java.util.function.Function<TrainConfig, ?> parser) {
    /**
     * Creates a group.
     *
     * @param heading the help heading
     * @param section the YAML section, or null for top-level keys
     * @param keys config keys
     * @param parser reads and checks the group's options type
     */
    public OptionGroup {
        keys = List.copyOf(keys);
        if (section != null && TrainConfig.KEYS.contains(section)) {
            throw new IllegalArgumentException(
                    "section '" + section + "' would hide the setting of that name");
        }
        for (String k : keys) {
            if (!TrainConfig.KEYS.contains(k)) {
                throw new IllegalArgumentException(
                        "option group " + heading + ": no setting '" + k + "'");
            }
        }
    }

    /**
     * Settings every training method reads: data, model, optimiser, schedule, seed, device,
     * threads, checkpoints and the execution backend.
     */
    public static final OptionGroup SHARED =
            new OptionGroup(
                    "Shared settings",
                    null,
                    List.of(
                            "method",
                            "model",
                            "width_multiplier",
                            "dataset",
                            "data_dir",
                            "validation_fraction",
                            "augment",
                            "image_size",
                            "skip_bad_images",
                            "label_column",
                            "data_workers",
                            "cache_decoded",
                            "normalization_mean",
                            "normalization_std",
                            "class_names",
                            "init_from",
                            "seq_len",
                            "epochs",
                            "batch_size",
                            "eval_batch_size",
                            "max_steps_per_epoch",
                            "lr",
                            "lr_schedule",
                            "lr_milestones",
                            "lr_step_epochs",
                            "lr_gamma",
                            "lr_points",
                            "warmup_epochs",
                            "momentum",
                            "nesterov",
                            "weight_decay",
                            "clip_norm",
                            "label_smoothing",
                            "bn_gamma_init",
                            "seed",
                            "device",
                            "threads",
                            "master",
                            "checkpoint_every",
                            "exec",
                            "channel_widths"),
                    TrainSettings::from);
}
