package dev.sprig.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes one image file with the JDK's ImageIO (JPEG, PNG, BMP, GIF) and brings it to a square of
 * a given side the way torchvision's {@code Resize(r)} + {@code CenterCrop(s)} do: scale so the
 * shorter side is {@code r}, then cut the centre {@code s × s}.
 *
 * <p>Large reductions halve the image repeatedly before the last bilinear step, so a photo scaled
 * from 3000 to 64 pixels averages its pixels instead of sampling a few of them (aliasing).
 */
final class ImageDecoder {
    static {
        // Decoding runs on several threads at once; ImageIO's disk cache would only add files.
        ImageIO.setUseCache(false);
    }

    /** Largest image decoded, in pixels (a 12,000 x 8,000 photo); larger headers are refused. */
    static final long MAX_PIXELS = 100_000_000L;

    private ImageDecoder() {}

    /** One decoded image: RGB bytes in channel-major order and whether the file was grey. */
    record Decoded(byte[] rgb, boolean grey) {}

    /**
     * Decodes, resizes and crops one file.
     *
     * @param file the image
     * @param resizeTo length the shorter side is scaled to
     * @param cropTo side of the centre crop, at most {@code resizeTo}
     * @return 3·cropTo² bytes (R plane, G plane, B plane)
     * @throws IOException when the file cannot be read or is not an image ImageIO decodes
     */
    static Decoded decode(Path file, int resizeTo, int cropTo) throws IOException {
        BufferedImage src = read(file);
        boolean grey = src.getColorModel().getNumColorComponents() == 1;
        int w = src.getWidth();
        int h = src.getHeight();
        double scale = (double) resizeTo / Math.min(w, h);
        int tw = Math.max(cropTo, (int) Math.round(w * scale));
        int th = Math.max(cropTo, (int) Math.round(h * scale));
        BufferedImage img = toRgb(src);
        while (img.getWidth() / 2 >= tw && img.getHeight() / 2 >= th) {
            img = scaled(img, img.getWidth() / 2, img.getHeight() / 2);
        }
        if (img.getWidth() != tw || img.getHeight() != th) {
            img = scaled(img, tw, th);
        }
        int x0 = (tw - cropTo) / 2;
        int y0 = (th - cropTo) / 2;
        int plane = cropTo * cropTo;
        byte[] out = new byte[3 * plane];
        int[] row = new int[cropTo];
        for (int y = 0; y < cropTo; y++) {
            img.getRGB(x0, y0 + y, cropTo, 1, row, 0, cropTo);
            for (int x = 0; x < cropTo; x++) {
                int p = row[x];
                int k = y * cropTo + x;
                out[k] = (byte) (p >> 16);
                out[plane + k] = (byte) (p >> 8);
                out[2 * plane + k] = (byte) p;
            }
        }
        return new Decoded(out, grey);
    }

    /**
     * Reads the first image of a file, after checking its declared size: a damaged or hostile
     * header declaring a billion pixels is refused instead of allocated.
     */
    private static BufferedImage read(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not an image format ImageIO reads");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0 || w * h > MAX_PIXELS) {
                    throw new IOException(
                            "declares " + w + " x " + h + " pixels (at most " + MAX_PIXELS + ")");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (RuntimeException e) {
            // Some codecs throw unchecked exceptions on damaged data; treat it as unreadable.
            throw new IOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    private static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        BufferedImage rgb =
                new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            // Transparent pixels become white, as most viewers show them.
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, src.getWidth(), src.getHeight());
            g.drawImage(src, 0, 0, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }

    private static BufferedImage scaled(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(
                    RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
