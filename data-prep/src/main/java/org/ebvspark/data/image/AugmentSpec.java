package org.ebvspark.data.image;

import java.io.Serializable;

/**
 * How encoded images become training or evaluation tensors (C x H x W floats, RGB channel order,
 * normalized per channel). The ImageNet recipe follows torchvision's RandomResizedCrop +
 * RandomHorizontalFlip for training and Resize + CenterCrop for evaluation; the small-image recipe
 * follows RandomCrop(padding) + RandomHorizontalFlip, as used for 28-32 px data.
 *
 * @param mode which transformation
 * @param size the output side (224 for ImageNet)
 * @param resize the shorter side before the center crop, in evaluation (256)
 * @param scaleMin smallest crop area, as a fraction of the image (0.08)
 * @param scaleMax largest crop area (1.0)
 * @param ratioMin smallest crop aspect ratio (3/4)
 * @param ratioMax largest crop aspect ratio (4/3)
 * @param padding zero padding around small images before the random crop (4)
 * @param flip whether training flips horizontally with probability 1/2
 * @param channels 3 (color) or 1 (gray)
 * @param mean per channel, subtracted after scaling pixels to [0, 1]
 * @param std per channel, divided by after the mean
 * @param erase in training, the probability of erasing one random rectangle of the output
 *     (torchvision's RandomErasing defaults: 2% to 33% of the area, aspect 0.3 to 3.3, value 0 of
 *     the normalized tensor, i.e. the channel means), after the crop and flip; 0 for none
 * @param trivialAugment in training, one TrivialAugment-wide operation per image ({@link
 *     TrivialAugmentWide}), on the pixels after the crop and flip, before normalization and erasing
 * @param mixup in training, the alpha of mixup's Beta(alpha, alpha) mixing weight (0: off): a whole
 *     batch is mixed with itself rolled by one row, and each row carries both labels and the weight
 * @param cutmix in training, the alpha of cutmix's Beta(alpha, alpha) (0: off): a rectangle of the
 *     rolled batch pasted in; with both on, each batch takes one of the two at random
 */
public record AugmentSpec(
    Mode mode,
    int size,
    int resize,
    double scaleMin,
    double scaleMax,
    double ratioMin,
    double ratioMax,
    int padding,
    boolean flip,
    int channels,
    float[] mean,
    float[] std,
    double erase,
    boolean trivialAugment,
    double mixup,
    double cutmix)
    implements Serializable {

  /** The transformation. */
  public enum Mode {
    RANDOM_RESIZED_CROP,
    RESIZE_CENTER_CROP,
    PAD_RANDOM_CROP,
    CENTER
  }

  private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  public AugmentSpec {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    if (mean.length != channels || std.length != channels) {
      throw new IllegalArgumentException("mean and std need one value per channel");
    }
    if (!(erase >= 0 && erase <= 1)) {
      throw new IllegalArgumentException("erase probability must be in [0, 1], got " + erase);
    }
    if (!(mixup >= 0) || !(cutmix >= 0) || Double.isInfinite(mixup + cutmix)) {
      throw new IllegalArgumentException(
          "mixup and cutmix alphas must not be negative, got " + mixup + " and " + cutmix);
    }
    boolean training = mode == Mode.RANDOM_RESIZED_CROP || mode == Mode.PAD_RANDOM_CROP;
    if ((trivialAugment || mixup > 0 || cutmix > 0) && !training) {
      throw new IllegalArgumentException(
          "TrivialAugment, mixup and cutmix are for training, not " + mode);
    }
    if (size < 1) {
      throw new IllegalArgumentException("size must be positive, got " + size);
    }
  }

  /** ImageNet training: random-resized crop to {@code size}, flip, ImageNet mean and std. */
  public static AugmentSpec imagenetTrain(int size) {
    return new AugmentSpec(
        Mode.RANDOM_RESIZED_CROP,
        size,
        0,
        0.08,
        1.0,
        3.0 / 4,
        4.0 / 3,
        0,
        true,
        3,
        IMAGENET_MEAN,
        IMAGENET_STD,
        0,
        false,
        0,
        0);
  }

  /** ImageNet evaluation: shorter side to {@code resize}, center crop {@code size}. */
  public static AugmentSpec imagenetEval(int resize, int size) {
    return new AugmentSpec(
        Mode.RESIZE_CENTER_CROP,
        size,
        resize,
        0,
        0,
        0,
        0,
        0,
        false,
        3,
        IMAGENET_MEAN,
        IMAGENET_STD,
        0,
        false,
        0,
        0);
  }

  /** Small images in training: pad, random crop back to {@code size}, flip. */
  public static AugmentSpec smallTrain(
      int size, int padding, int channels, float[] mean, float[] std) {
    return new AugmentSpec(
        Mode.PAD_RANDOM_CROP,
        size,
        0,
        0,
        0,
        0,
        0,
        padding,
        true,
        channels,
        mean,
        std,
        0,
        false,
        0,
        0);
  }

  /** Small images in evaluation: the center {@code size} x {@code size}, no randomness. */
  public static AugmentSpec smallEval(int size, int channels, float[] mean, float[] std) {
    return new AugmentSpec(
        Mode.CENTER, size, 0, 0, 0, 0, 0, 0, false, channels, mean, std, 0, false, 0, 0);
  }

  /** The same spec with random erasing at probability {@code p} (training specs only). */
  public AugmentSpec withErasing(double p) {
    if (p > 0 && !random()) {
      throw new IllegalArgumentException("random erasing is for training, not " + mode);
    }
    return new AugmentSpec(
        mode,
        size,
        resize,
        scaleMin,
        scaleMax,
        ratioMin,
        ratioMax,
        padding,
        flip,
        channels,
        mean,
        std,
        p,
        trivialAugment,
        mixup,
        cutmix);
  }

  /** The same spec with TrivialAugment-wide on or off (training specs only). */
  public AugmentSpec withTrivialAugment(boolean on) {
    return new AugmentSpec(
        mode, size, resize, scaleMin, scaleMax, ratioMin, ratioMax, padding, flip, channels, mean,
        std, erase, on, mixup, cutmix);
  }

  /** The same spec with mixup and cutmix at these alphas, 0 for off (training specs only). */
  public AugmentSpec withMixing(double mixupAlpha, double cutmixAlpha) {
    return new AugmentSpec(
        mode,
        size,
        resize,
        scaleMin,
        scaleMax,
        ratioMin,
        ratioMax,
        padding,
        flip,
        channels,
        mean,
        std,
        erase,
        trivialAugment,
        mixupAlpha,
        cutmixAlpha);
  }

  /** Whether batches are mixed (mixup or cutmix), so that labels carry two classes and a weight. */
  public boolean mixes() {
    return mixup > 0 || cutmix > 0;
  }

  /** Floats per image. */
  public int tensorLength() {
    return channels * size * size;
  }

  /** Whether this spec draws random numbers (training). */
  public boolean random() {
    return mode == Mode.RANDOM_RESIZED_CROP || mode == Mode.PAD_RANDOM_CROP;
  }
}
