package org.ebvspark.data.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.ebvspark.testing.PlantedImages;
import org.junit.jupiter.api.Test;

class ImageCodecTest {

  @Test
  void decodesJpegPngGrayAndCmykToThreeChannels() throws Exception {
    for (byte[] bytes :
        new byte[][] {
          PlantedImages.jpeg(40, 30, 1),
          PlantedImages.png(40, 30, 2),
          PlantedImages.grayJpeg(40, 30, 3),
          PlantedImages.cmykJpeg(40, 30, 4)
        }) {
      try (DecodedImage image = ImageCodec.decode(bytes, 3)) {
        assertThat(image.width()).isEqualTo(40);
        assertThat(image.height()).isEqualTo(30);
        assertThat(image.channels()).isEqualTo(3);
      }
    }
    try (DecodedImage gray = ImageCodec.decode(PlantedImages.jpeg(10, 10, 5), 1)) {
      assertThat(gray.channels()).isEqualTo(1);
    }
  }

  @Test
  void badInputsAreRejectedWithTheirReason() {
    assertThatThrownBy(() -> ImageCodec.decode(new byte[0], 3)).hasMessage("empty file");
    byte[] truncated = PlantedImages.truncated(PlantedImages.jpeg(64, 48, 1));
    assertThatThrownBy(() -> ImageCodec.decode(truncated, 3))
        .hasMessage("truncated jpeg (" + truncated.length + " bytes, no end marker)");
    assertThatThrownBy(() -> ImageCodec.decode("hello world".getBytes(), 3))
        .hasMessage("not a JPEG or PNG image (starts with 68 65 6c 6c)");
    byte[] png = PlantedImages.png(20, 20, 2);
    byte[] cut = java.util.Arrays.copyOf(png, png.length - 12);
    assertThatThrownBy(() -> ImageCodec.decode(cut, 3)).hasMessageStartingWith("truncated png");
    // A JPEG header and end marker around garbage: complete-looking, but it does not decode.
    byte[] garbage = new byte[100];
    garbage[0] = (byte) 0xFF;
    garbage[1] = (byte) 0xD8;
    garbage[2] = (byte) 0xFF;
    garbage[98] = (byte) 0xFF;
    garbage[99] = (byte) 0xD9;
    assertThatThrownBy(() -> ImageCodec.decode(garbage, 3)).hasMessage("undecodable jpeg data");
  }

  @Test
  void theDeclaredSizeIsReadFromTheHeaderAndHugeImagesAreRejectedUndecoded() throws Exception {
    byte[] png = PlantedImages.png(40, 30, 2);
    byte[] jpeg = PlantedImages.jpeg(40, 30, 1);
    assertThat(ImageCodec.declaredSize(png, ImageFormat.PNG)).containsExactly(40, 30);
    assertThat(ImageCodec.declaredSize(jpeg, ImageFormat.JPEG)).containsExactly(40, 30);
    // The same bytes declaring 20000 x 20000 (1.2 GB decoded): rejected before decoding.
    byte[] hugePng = png.clone();
    java.nio.ByteBuffer.wrap(hugePng, 16, 8).putInt(20000).putInt(20000);
    assertThatThrownBy(() -> ImageCodec.decode(hugePng, 3))
        .hasMessage(
            "png declares 20000 x 20000 pixels, over the limit of 89478485"
                + " (-Debv.image.maxPixels raises it)");
    byte[] hugeJpeg = jpeg.clone();
    for (int i = 2; i + 9 < hugeJpeg.length; i++) {
      if ((hugeJpeg[i] & 0xff) == 0xff && (hugeJpeg[i + 1] & 0xff) == 0xc0) {
        java.nio.ByteBuffer.wrap(hugeJpeg, i + 5, 4)
            .putShort((short) 20000)
            .putShort((short) 20000);
        break;
      }
    }
    assertThatThrownBy(() -> ImageCodec.decode(hugeJpeg, 3))
        .hasMessageStartingWith("jpeg declares 20000 x 20000 pixels");
  }

  @Test
  void resizeKeepsTheAspectRatio() throws Exception {
    try (DecodedImage image = ImageCodec.decode(PlantedImages.jpeg(500, 375, 1), 3);
        DecodedImage small = ImageCodec.resizeShorterSide(image, 256)) {
      assertThat(small.height()).isEqualTo(256);
      assertThat(small.width()).isEqualTo(341);
    }
  }
}
