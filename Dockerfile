# syntax=docker/dockerfile:1
#
# rigl-harness, GPU trainer image (design.md "One manifest in Docker on a GPU"; docs/report-suites.md):
#   docker build -t rigl-harness:gpu .
#   docker run --gpus all -v "$PWD/results:/opt/rigl-harness/results" -v "$HOME/datasets:/data" \
#     rigl-harness:gpu run manifests/rigl-report/cifar10-wrn22-2.json --index 0 --download
#
# @tensorflow/tfjs-node-gpu 4.22.0 loads libtensorflow 2.9.1, which is built against CUDA 11.2 and
# cuDNN 8.1: hence the base image. Untested here: this project's machines have no Docker engine and
# no GPU, and cannot download libtensorflow; test/dockerfile.test.ts checks this file statically.

ARG NODE_VERSION=20.19.3

# ---------------------------------------------------------------------------------------------
# Node.js 20 on the CUDA runtime: the official tarball, checked against SHASUMS256.txt, whose
# OpenPGP signature is checked against the Node.js release keys (github.com/nodejs/node#release-keys).
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS node
ARG NODE_VERSION
ENV DEBIAN_FRONTEND=noninteractive
# NVIDIA's own apt sources are dropped: nothing is installed from them, and images older than
# NVIDIA's 2022 repository-key rotation fail `apt-get update` on them (NO_PUBKEY A4B469963BF863CC).
RUN set -eux; \
    rm -f /etc/apt/sources.list.d/cuda.list /etc/apt/sources.list.d/nvidia-ml.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl gnupg dirmngr xz-utils; \
    export GNUPGHOME="$(mktemp -d)"; \
    for key in \
      C0D6248439F1D5604AAFFB4021D900FFDB233756 \
      DD792F5973C6DE52C432CBDAC77ABFA00DDBF2B7 \
      CC68F5A3106FF448322E48ED27F5E38D5B0A215F \
      8FCCA13FEF1D0C2E91008E09770F7A9A5AE15600 \
      890C08DB8579162FEE0DF9DB8BEAB4DFCF555EF4 \
      C82FA3AE1CBEDC6BE46B9360C43CEC45C17AB93C \
      108F52B48DB57BB0CC439B2997B01419BD92F80A \
      A363A499291CBBC940DD62E41F10027AF002F8B0 \
    ; do \
      gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$key" \
        || gpg --batch --keyserver hkps://keyserver.ubuntu.com --recv-keys "$key"; \
    done; \
    cd /tmp; \
    tarball="node-v${NODE_VERSION}-linux-x64.tar.xz"; \
    curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/${tarball}"; \
    curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/SHASUMS256.txt.asc"; \
    gpg --batch --decrypt --output SHASUMS256.txt SHASUMS256.txt.asc; \
    grep " ${tarball}\$" SHASUMS256.txt | sha256sum -c -; \
    tar -xJf "${tarball}" -C /usr/local --strip-components=1 --no-same-owner; \
    gpgconf --kill all; \
    rm -rf "$GNUPGHOME" "/tmp/${tarball}" /tmp/SHASUMS256.txt /tmp/SHASUMS256.txt.asc; \
    apt-get purge -y --auto-remove curl gnupg dirmngr xz-utils; \
    rm -rf /var/lib/apt/lists/*; \
    node --version; \
    npm --version

# ---------------------------------------------------------------------------------------------
# Dependencies from the lockfile. Both native TensorFlow bindings are optionalDependencies; this
# image builds only tfjs-node-gpu: `npm ci --ignore-scripts` installs every package without running
# install scripts, then `npm rebuild` runs them for the packages that need them here (esbuild for
# tsx, and tfjs-node-gpu, whose script downloads libtensorflow 2.9.1 GPU and its prebuilt addon;
# python3/make/g++ are node-gyp's fallback). The CPU binding is removed unbuilt.
FROM node AS build
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends python3 make g++; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /opt/rigl-harness
COPY package.json package-lock.json ./
RUN set -eux; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund; \
    npm rebuild esbuild @tensorflow/tfjs-node-gpu; \
    rm -rf node_modules/@tensorflow/tfjs-node; \
    node -e "const want = require('./package.json').optionalDependencies['@tensorflow/tfjs-node-gpu']; \
      const got = require('@tensorflow/tfjs-node-gpu/package.json').version; \
      if (got !== want) throw new Error('tfjs-node-gpu ' + got + ' installed but package.json pins ' + want); \
      require('@tensorflow/tfjs-node-gpu');"; \
    npm cache clean --force
COPY . .
# The native CPU kernels (native/: node-gyp, g++ and the Node headers of this image), built from
# source for the image's own use; --strict fails the build rather than silently falling back.
RUN node native/build.mjs --strict

# ---------------------------------------------------------------------------------------------
# Runtime: the tool read-only (owned by root), run by an unprivileged user; results, datasets and the
# download cache are volumes. RIGL_DATA_DIR and XDG_CACHE_HOME are where the trainer looks for and
# downloads datasets (trainers/datasets/locate.ts).
FROM node AS runtime
RUN set -eux; \
    groupadd --gid 10001 rigl; \
    useradd --uid 10001 --gid rigl --create-home --shell /usr/sbin/nologin rigl
WORKDIR /opt/rigl-harness
COPY --from=build /opt/rigl-harness /opt/rigl-harness
RUN set -eux; \
    mkdir -p /opt/rigl-harness/results /data /cache; \
    chown rigl:rigl /opt/rigl-harness/results /data /cache
ENV RIGL_DATA_DIR=/data \
    XDG_CACHE_HOME=/cache
VOLUME ["/opt/rigl-harness/results", "/data", "/cache"]
USER 10001:10001
ENTRYPOINT ["node", "/opt/rigl-harness/bin/rigl-harness.js"]
CMD ["--help"]
