# devagent/env for Python projects: the project layer on top of the dependency image. The tree
# (without .git) is copied to /workspace and installed editable from there, so that at run time
# the bind-mounted checkout at /workspace is what gets imported, with the project's metadata and
# entry points; the build fails unless `import <package>` resolves into /workspace.
ARG DEPS
FROM ${DEPS}
# The dependency image already runs as `agent` in /workspace: two steps.
COPY --chown=agent:agent workspace/ /workspace/
RUN /opt/devagent-tools/bin/python /opt/devagent-tools/install_deps.py project \
    && rm -rf /tmp/devagent-uv-cache
