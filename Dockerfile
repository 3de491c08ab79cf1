# The platform image of infra/docker-compose.yml: `eaio start` against the compose services.
# Node is the version of the `node` devDependency the native path runs (a test keeps them equal).
FROM node:24.21.0-trixie-slim

WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` applies these to node_modules (patch-package, the postinstall script): kafkajs's producer fix.
COPY patches ./patches
# Product code runs without devDependencies (a dependency-cruiser rule holds it to that), and tsx,
# which runs the TypeScript, is a dependency: no build step, no compiler in the image.
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
# stateDir (`.stack`) must be writable by the unprivileged user; the compose volume keeps it.
RUN mkdir -p .stack && chown node:node .stack
USER node

EXPOSE 3000 9464
CMD ["node", "--disable-warning=TimeoutNegativeWarning", "bin/eaio.js", "start"]
