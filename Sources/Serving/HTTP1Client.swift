import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A response read by ``HTTP1Client``.
package struct HTTP1Response: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: Data

    package var text: String { String(decoding: body, as: UTF8.self) }
}

/// A minimal HTTP/1.1 client over SwiftNIO for plain `http://` URLs: one request per
/// connection (`Connection: close`), a whole-request timeout and a response size limit.
/// It reads `serve`'s `/swagger.json` and drives the tests; the load generator keeps its own
/// pipelined connections. (It replaces AsyncHTTPClient, whose TLS stack — BoringSSL, hundreds
/// of C files — took most of a clean build and was never used: the advisor speaks plain HTTP.)
package enum HTTP1Client {
    /// Sends one request and returns the whole response.
    ///
    /// - Throws: ``HTTP1ClientError`` for a URL that is not `http://host[:port]/…`, a timeout, a
    ///   response over `maxBytes`, or a connection closed before the response ended; NIO's
    ///   errors when the connection cannot be made.
    package static func request(
        _ method: HTTPMethod = .GET, _ url: String, headers: [(String, String)] = [], body: Data? = nil,
        timeout: TimeAmount = .seconds(30), maxBytes: Int = 64 << 20
    ) async throws -> HTTP1Response {
        guard let u = URL(string: url), u.scheme == "http", let host = u.host, !host.isEmpty else {
            throw HTTP1ClientError("'\(url)' is not an http:// URL with a host")
        }
        let port = u.port ?? 80
        var path = u.path.isEmpty ? "/" : u.path
        if let q = u.query { path += "?" + q }
        var fields = HTTPHeaders()
        fields.add(name: "Host", value: port == 80 ? host : "\(host):\(port)")
        fields.add(name: "Connection", value: "close")
        fields.add(name: "Content-Length", value: "\(body?.count ?? 0)")
        for (name, value) in headers { fields.add(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: fields)
        return try await withThrowingTaskGroup(of: HTTP1Response?.self) { group in
            group.addTask {
                try await exchange(head, host: host, port: port, body: body, maxBytes: maxBytes)
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(0, timeout.nanoseconds)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw HTTP1ClientError("\(method) \(url): no response within \(Double(timeout.nanoseconds) / 1e9) s")
            }
            return response
        }
    }

    private static func exchange(_ head: HTTPRequestHead, host: String, port: Int, body: Data?, maxBytes: Int) async throws
        -> HTTP1Response
    {
        let path = head.uri
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            // A server may answer (413, 401…) and close before reading the whole body: keep its answer.
            var writeError: (any Error)?
            do {
                try await outbound.write(.head(head))
                if let body, !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                try await outbound.write(.end(nil))
            } catch {
                writeError = error
            }
            var response: HTTP1Response?
            for try await part in inbound {
                switch part {
                case .head(let h):
                    response = HTTP1Response(status: Int(h.status.code), headers: h.headers.map { ($0.name, $0.value) }, body: Data())
                case .body(let b):
                    response?.body.append(contentsOf: b.readableBytesView)
                    if (response?.body.count ?? 0) > maxBytes {
                        throw HTTP1ClientError("http://\(host):\(port)\(path): response larger than \(maxBytes) bytes")
                    }
                case .end:
                    if let response { return response }
                }
            }
            if let writeError { throw writeError }
            throw HTTP1ClientError("http://\(host):\(port)\(path): the connection closed before the response ended")
        }
    }
}

/// A request ``HTTP1Client`` could not complete.
package struct HTTP1ClientError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
