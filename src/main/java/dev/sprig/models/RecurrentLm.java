package dev.sprig.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.GRU;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.nn.recurrent.RecurrentBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A character-level language model, as in the RigL paper's WikiText-103 experiment: an embedding, a
 * stack of recurrent layers (the engine's GRU or LSTM blocks, one block per layer so that each
 * layer's input and recurrent matrices are separate parameters) and a linear projection to the
 * vocabulary at every time step.
 *
 * <p>Input: token indices (batch, time). Output: logits (batch, time, vocabulary) followed by each
 * layer's state after the last step (GRU: h; LSTM: h and c, each (1, batch, width)), so a caller
 * can carry the state into the next window of the same streams (truncated backpropagation through
 * time). Given only the tokens, every layer starts from zeros.
 *
 * <p>Parameters, in order: {@code embed.embedding}, then per layer {@code rnnK.input.weight} (gates
 * × width, input), {@code rnnK.input.bias}, {@code rnnK.recurrent.weight} (gates × width, width),
 * {@code rnnK.recurrent.bias}, and {@code head.weight}, {@code head.bias}: the order the engine
 * lists them in, which {@link #specs} follows.
 */
public final class RecurrentLm extends AbstractBlock {
    private static final Pattern NAME = Pattern.compile("(gru|lstm)-(\\d+)-(\\d+)");

    /** The recurrent cell. */
    public enum Cell {
        /** Gated recurrent unit: three gate blocks per matrix, state h. */
        GRU(3, 1),
        /** Long short-term memory: four gate blocks per matrix, states h and c. */
        LSTM(4, 2);

        private final int gates;
        private final int states;

        Cell(int gates, int states) {
            this.gates = gates;
            this.states = states;
        }

        /**
         * @return gate blocks stacked in each matrix
         */
        public int gates() {
            return gates;
        }

        /**
         * @return state arrays per layer
         */
        public int states() {
            return states;
        }
    }

    private final Cell cell;
    private final int vocabulary;
    private final int width;
    private final int layers;
    private final Parameter embedding;
    private final List<RecurrentBlock> rnns = new ArrayList<>();
    private final Linear head;

    /**
     * Creates the block.
     *
     * @param cell GRU or LSTM
     * @param vocabulary tokens, also the output classes
     * @param width embedding and hidden width
     * @param layers stacked recurrent layers
     */
    public RecurrentLm(Cell cell, int vocabulary, int width, int layers) {
        if (vocabulary < 2 || width < 1 || layers < 1) {
            throw new IllegalArgumentException(
                    "a recurrent model needs a vocabulary of 2 or more, width and layers of 1 or"
                            + " more");
        }
        this.cell = cell;
        this.vocabulary = vocabulary;
        this.width = width;
        this.layers = layers;
        this.embedding =
                addParameter(
                        Parameter.builder()
                                .setName("embedding")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(vocabulary, width))
                                .build());
        for (int k = 1; k <= layers; k++) {
            RecurrentBlock b =
                    cell == Cell.GRU
                            ? GRU.builder()
                                    .setStateSize(width)
                                    .setNumLayers(1)
                                    .optBatchFirst(true)
                                    .optReturnState(true)
                                    .build()
                            : LSTM.builder()
                                    .setStateSize(width)
                                    .setNumLayers(1)
                                    .optBatchFirst(true)
                                    .optReturnState(true)
                                    .build();
            rnns.add(addChildBlock("rnn" + k, b));
        }
        this.head = addChildBlock("head", Linear.builder().setUnits(vocabulary).build());
    }

    /**
     * Whether a model name is a recurrent language model ({@code gru-H-L} or {@code lstm-H-L}).
     *
     * @param name model name
     * @return true when it is
     */
    public static boolean isRecurrent(String name) {
        return NAME.matcher(name.trim().toLowerCase(Locale.ROOT)).matches();
    }

    /**
     * Builds the block a zoo name describes.
     *
     * @param name {@code gru-H-L} or {@code lstm-H-L}: width H, L layers
     * @param vocabulary tokens
     * @param widthMultiplier scales H
     * @return the block
     */
    public static RecurrentLm of(String name, int vocabulary, double widthMultiplier) {
        Matcher m = NAME.matcher(name.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a recurrent model name: " + name);
        }
        int width = Math.max(1, (int) Math.round(Integer.parseInt(m.group(2)) * widthMultiplier));
        return new RecurrentLm(
                m.group(1).equals("gru") ? Cell.GRU : Cell.LSTM,
                vocabulary,
                width,
                Integer.parseInt(m.group(3)));
    }

    /**
     * The layers as the cost model and the masks see them, for windows of {@code steps} tokens: the
     * matrices apply once per time step, so their output width is the window length and one example
     * costs a whole window.
     *
     * @param steps time steps per example
     * @return the specs, in parameter order
     */
    public List<LayerSpec> specs(int steps) {
        List<LayerSpec> out = new ArrayList<>();
        out.add(
                new LayerSpec(
                        "embed",
                        LayerKind.EMBEDDING,
                        vocabulary,
                        width,
                        1,
                        1,
                        1,
                        1,
                        steps,
                        1,
                        steps,
                        false));
        int rows = cell.gates() * width;
        for (int k = 1; k <= layers; k++) {
            out.add(linear("rnn" + k + ".input", width, rows, steps));
            out.add(linear("rnn" + k + ".recurrent", width, rows, steps));
        }
        out.add(linear("head", width, vocabulary, steps));
        return out;
    }

    private static LayerSpec linear(String name, int in, int out, int steps) {
        return new LayerSpec(name, LayerKind.LINEAR, in, out, 1, 1, 1, 1, steps, 1, steps, true);
    }

    /**
     * @return the cell
     */
    public Cell cell() {
        return cell;
    }

    /**
     * @return stacked layers
     */
    public int layers() {
        return layers;
    }

    /**
     * @return hidden width
     */
    public int width() {
        return width;
    }

    /**
     * Zero states for a batch: what every stream starts an epoch with.
     *
     * @param manager owner of the arrays
     * @param batch streams
     * @return per layer, its state arrays (1, batch, width)
     */
    public NDList zeroState(NDManager manager, int batch) {
        NDList s = new NDList();
        for (int k = 0; k < layers * cell.states(); k++) {
            s.add(manager.zeros(new Shape(1, batch, width)));
        }
        return s;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray tokens = inputs.head();
        NDArray emb = store.getValue(embedding, tokens.getDevice(), training);
        NDArray x =
                tokens.getNDArrayInternal()
                        .embedding(tokens.toType(DataType.INT64, false), emb, SparseFormat.DENSE)
                        .head();
        NDList states = new NDList();
        int per = cell.states();
        for (int k = 0; k < layers; k++) {
            NDList in = new NDList(x);
            if (inputs.size() > 1) {
                for (int s = 0; s < per; s++) {
                    in.add(inputs.get(1 + k * per + s));
                }
            }
            NDList out = rnns.get(k).forward(store, in, training, params);
            x = out.head();
            for (int s = 1; s < out.size(); s++) {
                states.add(out.get(s));
            }
        }
        NDList result = new NDList(head.forward(store, new NDList(x), training, params).head());
        result.addAll(states);
        return result;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Shape[] out = new Shape[1 + layers * cell.states()];
        out[0] = new Shape(in.get(0), in.get(1), vocabulary);
        for (int k = 1; k < out.length; k++) {
            out[k] = new Shape(1, in.get(0), width);
        }
        return out;
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        Shape seq = new Shape(in.get(0), in.get(1), width);
        for (RecurrentBlock b : rnns) {
            b.initialize(manager, dataType, seq);
        }
        head.initialize(manager, dataType, seq);
    }
}
