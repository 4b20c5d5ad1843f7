import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { PreviewController } from './preview.controller';
import { PreviewService } from './preview.service';

@Module({
  imports: [MessagesModule],
  controllers: [PreviewController],
  providers: [PreviewService],
})
export class PreviewModule {}
