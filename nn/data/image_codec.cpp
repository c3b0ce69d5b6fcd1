#include "nn/data/image_codec.h"

#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>
#include <memory>
// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
#include <jerror.h>

namespace iqnas::data {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool premature_end;
  bool too_large;  // then width and height are the declared size
  unsigned width, height;
};

bool too_large(uint64_t w, uint64_t h, int channels) { return w * h * static_cast<uint64_t>(channels) > kMaxImageBytes; }

std::string too_large_message(const std::string& what, uint64_t w, uint64_t h, int channels) {
  return what + ": the image declares " + std::to_string(w) + "x" + std::to_string(h) + "x" + std::to_string(channels) +
         " pixels, more than the " + std::to_string(kMaxImageBytes >> 20) + " MiB a decoded image may take";
}

void jpeg_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

// Warnings are not printed; the one that matters, data ending early (libjpeg then pads the image
// with grey), is recorded and turned into an error. Others (e.g. extraneous bytes before a marker)
// are tolerated, as most decoders do.
void jpeg_note_warning(j_common_ptr cinfo, int level) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) err->premature_end = true;
}

// Kept free of C++ objects with destructors between setjmp and longjmp.
bool decode_jpeg_raw(const uint8_t* bytes, size_t n, int channels, Image& out, JpegError& err) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_error_exit;
  err.mgr.emit_message = jpeg_note_warning;
  err.message[0] = 0;
  err.premature_end = false;
  err.too_large = false;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, const_cast<unsigned char*>(bytes), static_cast<unsigned long>(n));
  jpeg_read_header(&cinfo, TRUE);
  if (too_large(cinfo.image_width, cinfo.image_height, channels)) {
    err.too_large = true, err.width = cinfo.image_width, err.height = cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  out.h = static_cast<int>(cinfo.output_height);
  out.w = static_cast<int>(cinfo.output_width);
  out.c = channels;
  out.pixels.resize(static_cast<size_t>(out.h) * out.w * out.c);
  const size_t stride = static_cast<size_t>(out.w) * out.c;
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.pixels.data() + cinfo.output_scanline * stride;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  const bool truncated = err.premature_end;
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (truncated) std::snprintf(err.message, sizeof err.message, "data ends early or is damaged");
  return !truncated;
}

void decode_png(const uint8_t* bytes, size_t n, int channels, Image& out, const std::string& what) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, bytes, n))
    throw DataError(what + ": corrupt PNG (" + img.message + ")");
  if (too_large(img.width, img.height, channels)) {
    png_image_free(&img);
    throw DataError(too_large_message(what, img.width, img.height, channels));
  }
  img.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  out.h = static_cast<int>(img.height);
  out.w = static_cast<int>(img.width);
  out.c = channels;
  out.pixels.resize(PNG_IMAGE_SIZE(img));
  // Transparent images are composited on black (background nullptr).
  if (!png_image_finish_read(&img, nullptr, out.pixels.data(), 0, nullptr)) {
    std::string msg = img.message;
    png_image_free(&img);
    throw DataError(what + ": corrupt PNG (" + msg + ")");
  }
}

}  // namespace

ImageFormat sniff_format(const uint8_t* head, size_t n) {
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n >= 8 && std::memcmp(head, png_sig, 8) == 0) return ImageFormat::Png;
  if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return ImageFormat::Jpeg;
  return ImageFormat::Unknown;
}

void decode_image(const uint8_t* bytes, size_t n, int channels, Image& out, const std::string& what) {
  if (channels != 1 && channels != 3)
    throw std::invalid_argument("decode_image: channels must be 1 or 3");
  switch (sniff_format(bytes, n)) {
    case ImageFormat::Jpeg: {
      JpegError err;
      if (!decode_jpeg_raw(bytes, n, channels, out, err)) {
        if (err.too_large) throw DataError(too_large_message(what, err.width, err.height, channels));
        throw DataError(what + ": corrupt JPEG (" + err.message + ")");
      }
      return;
    }
    case ImageFormat::Png:
      decode_png(bytes, n, channels, out, what);
      return;
    default:
      throw DataError(what + ": not a JPEG or PNG image (" + std::to_string(n) + " bytes, unknown signature)");
  }
}

void read_file(const std::string& path, std::vector<uint8_t>& out) {
  // Non-blocking, so that a FIFO does not hang the open; refused right after by fstat.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw DataError(path + ": not a regular file (a FIFO, device or socket)");
  }
  std::unique_ptr<std::FILE, FileCloser> f(::fdopen(fd, "rb"));
  if (!f) {
    ::close(fd);
    throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  }
  out.clear();
  uint8_t buf[1 << 16];
  for (;;) {
    const size_t got = std::fread(buf, 1, sizeof buf, f.get());
    out.insert(out.end(), buf, buf + got);
    if (got < sizeof buf) break;
  }
  if (std::ferror(f.get())) throw DataError(path + ": read error (" + std::strerror(errno) + ")");
}

void load_image(const std::string& path, int channels, Image& out, std::vector<uint8_t>& file_buffer) {
  read_file(path, file_buffer);
  decode_image(file_buffer.data(), file_buffer.size(), channels, out, path);
}

void write_png(const std::string& path, const uint8_t* pixels, int h, int w, int c) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = static_cast<png_uint_32>(w);
  img.height = static_cast<png_uint_32>(h);
  img.format = c == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&img, path.c_str(), 0, pixels, 0, nullptr))
    throw DataError(path + ": cannot write PNG (" + img.message + ")");
}

void write_jpeg(const std::string& path, const uint8_t* pixels, int h, int w, int c, int quality) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
  if (!f) throw DataError(path + ": cannot create (" + std::strerror(errno) + ")");
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);  // errors while encoding our own buffer are programming errors
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, f.get());
  cinfo.image_width = static_cast<JDIMENSION>(w);
  cinfo.image_height = static_cast<JDIMENSION>(h);
  cinfo.input_components = c;
  cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  const size_t stride = static_cast<size_t>(w) * c;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels) + cinfo.next_scanline * stride;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
}

}  // namespace iqnas::data
